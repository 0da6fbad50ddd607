from protsweep.app import main

main()
