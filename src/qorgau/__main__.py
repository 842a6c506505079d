from qorgau.manage import main

main()
