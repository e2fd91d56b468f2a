# Entry points. `make demo` runs the main job, `make test` the tests, `make bench` the benchmarks.
SHELL := /bin/bash
.DEFAULT_GOAL := build
ARCH ?= all

.PHONY: build layer emulator test-function test demo bench clean

## build: both layer zips, the emulator and the test function
build: layer emulator test-function

## layer: dist/pulse-x86_64.zip and dist/pulse-arm64.zip (ARCH=x86_64|arm64|all)
layer:
	./build.sh $(ARCH)

## emulator: dist/lambda-emulator (AOT)
emulator:
	@if [ -f tests/Emulator/Emulator.csproj ]; then \
	  dotnet publish tests/Emulator/Emulator.csproj -c Release -r linux-x64 -o dist/emulator --nologo -v quiet && \
	  cp dist/emulator/lambda-emulator dist/lambda-emulator && echo "[emulator] dist/lambda-emulator"; \
	else echo "[emulator] not part of this tree yet"; fi

## test-function: dist/test-function/bootstrap (AOT custom runtime used by tests, demo and bench)
test-function:
	@if [ -f tests/TestFunction/TestFunction.csproj ]; then \
	  dotnet publish tests/TestFunction/TestFunction.csproj -c Release -r linux-x64 -o dist/test-function --nologo -v quiet && \
	  echo "[test-function] dist/test-function/bootstrap"; \
	else echo "[test-function] not part of this tree yet"; fi

## test: every test suite; ends with "N passed, N failed[, N skipped]"
test:
	tests/scripts/run-tests.sh

## demo: a few invocations of the test function with the Pulse layer in the emulator
demo: build
	@if [ -x tests/scripts/demo.sh ]; then tests/scripts/demo.sh; \
	else echo "demo: the emulator and the Pulse core are not built yet; nothing to show"; exit 1; fi

## bench: the benchmark suite (QUICK=1 for a smoke run)
bench: build
	@if [ -x tests/scripts/bench.sh ]; then tests/scripts/bench.sh $(if $(QUICK),--quick,); \
	else echo "bench: not built yet"; exit 1; fi

clean:
	rm -rf dist
	find . -name bin -o -name obj -prune -type d | grep -E '/(bin|obj)$$' | xargs -r rm -rf
