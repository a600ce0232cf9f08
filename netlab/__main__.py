from netlab.cli import main

main()
