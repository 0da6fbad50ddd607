"""Running sweeps that outgrow one process: per-job resources (threads, GPUs), a fresh process per job,
the sweep's outcome read from disk, progress lines, and TensorBoard/MLflow loggers.

Everything here works from what a job leaves on disk or from the job's own process, so it behaves the same
under the basic, joblib (``local_parallel``) and submitit (``submitit_local``, ``slurm``) launchers.
"""
