# assume-role: see README.md. Every target works on a fresh clone with Go installed.
GO ?= go
BIN := bin

.PHONY: build demo test lint bench clean

build:
	$(GO) build -trimpath -o $(BIN)/assume-role ./cmd/assume-role
	$(GO) build -trimpath -o $(BIN)/sts-emulator ./cmd/sts-emulator

# The main job against the bundled STS emulator: no AWS account, no network beyond 127.0.0.1.
demo: build
	./scripts/demo

# Formatting, vet, and every test (unit + end to end against the emulator, real shells, AWS CLI, boto3, moto).
test:
	./scripts/test

bench: build
	./bench/run

clean:
	rm -rf $(BIN)
