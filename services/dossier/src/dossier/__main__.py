from dossier.bootstrap import main

main()
