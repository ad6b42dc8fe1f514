from alerting.bootstrap import main

main()
