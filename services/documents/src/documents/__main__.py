from documents.bootstrap import main

main()
