from admissions.bootstrap import main

main()
