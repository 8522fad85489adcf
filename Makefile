# Convenience targets; the README's commands work without make.
.PHONY: test demo build bench

test:
	./scripts/test.sh

demo:
	go run ./cmd/ortlos demo

build:
	go build -trimpath -o ortlos ./cmd/ortlos

bench:
	go run ./bench/load -scenario all
