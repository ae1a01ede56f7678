from omniloop.cli import main

main()
