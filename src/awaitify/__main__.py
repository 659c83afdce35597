from awaitify.cli import main

main()
