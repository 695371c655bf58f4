# The two commands of the quick start:
#   make demo   set everything up and build the demo edition into dist/
#   make test   set everything up and run the whole test suite
.PHONY: setup demo test bench

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/publish build --all

test: setup
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python -m bench.run
