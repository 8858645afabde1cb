from .cli import main

main(prog_name="fastw2v")
