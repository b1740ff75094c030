# Agner: `make run` runs the main job, `make test` runs the tests.
# Both install the system packages the project needs when they are missing.

SYSTEM_PACKAGES := libsqlite3-dev libjansson-dev zlib1g-dev parallel
# The browser the HTML report's and the wallboard's tests run in (headless). If it cannot be
# installed, those tests are skipped and say so; everything else still runs.
BROWSER_PACKAGES := chromium fonts-dejavu-core
SWIFT ?= swift

.PHONY: run test build release deps ciw benchmark clean pictures

deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi
	@missing=""; \
	for p in $(BROWSER_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
	      || echo "could not install$$missing: the browser tests will be skipped"; \
	  else \
	    echo "missing:$$missing (the browser tests will be skipped); to run them: sudo apt-get install -y$$missing"; \
	  fi; \
	fi

# The comparison with another simulator (validation/ciw/two_skill.py, run by the tests) needs
# Ciw from PyPI; a few seconds to install, and skipped by the tests where Python is missing.
CIW_VERSION := 3.2.7

ciw:
	@if command -v python3 >/dev/null 2>&1; then \
	  python3 -c 'import ciw' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check ciw==$(CIW_VERSION) \
	    || echo "could not install Ciw: the comparison with it will be skipped"; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	.build/release/agner simulate scenarios/retail.yaml

test: deps ciw
	$(SWIFT) test

benchmark: deps
	$(SWIFT) package --package-path Benchmarks benchmark

pictures: deps
	scripts/readme-pictures.sh

clean:
	rm -rf .build Benchmarks/.build
