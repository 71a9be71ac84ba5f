from rsfleet.cli import main

main()
