from care_circle.bootstrap import main

main()
