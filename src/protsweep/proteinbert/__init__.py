"""ProteinBERT (PyPI protein-bert) fine-tuning on the legacy Keras path. Importing a submodule imports TensorFlow."""
