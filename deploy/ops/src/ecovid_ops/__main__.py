from ecovid_ops.cli import main

main()
