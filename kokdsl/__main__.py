from kokdsl.cli import main

main(prog_name="kok")
