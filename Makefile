.PHONY: setup demo test unit lint neo4j-start neo4j-stop neo4j-status
setup:        ; scripts/setup.sh --all
demo:         ; scripts/demo.sh
test:         ; scripts/test.sh
unit:         ; HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q
lint:         ; .venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
neo4j-start:  ; scripts/neo4j.sh start
neo4j-stop:   ; scripts/neo4j.sh stop
neo4j-status: ; scripts/neo4j.sh status
