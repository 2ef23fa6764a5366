# assume-role: see README.md. Every target works on a fresh clone with Go installed.
GO ?= go
BIN := bin

.PHONY: build demo test lint bench clean

# One static, stripped executable: no C toolchain or libc needed at build or run time (CGO_ENABLED=0;
# only macOS's keychain backend needs cgo, so a macOS build for the keychain sets CGO_ENABLED=1),
# no symbol table or DWARF (-s -w), no build paths (-trimpath). The version is `git describe` of
# the checkout, or VERSION=v1.2.3 on the command line; without either, the binary reports what
# Go's build information holds (the module version under `go install ...@v1.2.3`).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -s -w $(if $(VERSION),-X main.version=$(VERSION))
GOBUILD := CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'

build:
	$(GOBUILD) -o $(BIN)/ ./cmd/assume-role ./cmd/assume-role-engine
	$(GOBUILD) -o $(BIN)/sts-emulator ./cmd/sts-emulator

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
