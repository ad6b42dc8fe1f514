from ecovid_monitor.bootstrap import main

main()
