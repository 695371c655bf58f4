# Shorthands for the quick start's two commands (which need only bash: see README).
.PHONY: setup demo test bench

setup:
	./scripts/setup.sh

demo:
	./scripts/demo.sh

test:
	./scripts/test.sh

bench: setup
	.venv/bin/python -m bench.run
