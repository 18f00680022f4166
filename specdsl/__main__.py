from specdsl.cli import main

main()
