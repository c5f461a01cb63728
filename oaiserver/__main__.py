from oaiserver.cli import main

main()
