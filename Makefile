# A thin wrapper around CMake so that a fresh Debian/Ubuntu machine needs two
# commands: `make run` and `make test`.  Everything real lives in CMake.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# `make test` also runs the whole suite in a Debug build with AddressSanitizer
# and UndefinedBehaviorSanitizer (leak detection on; tests/CMakeLists.txt).
ASAN_BUILD ?= build-asan
SANITIZE ?= address,undefined
# libFuzzer harnesses (tests/fuzz/): `make test` replays their corpora and
# runs a fixed number of executions; `make fuzz` runs each FUZZ_SECONDS.
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600

# Debian packages the build, the tests and analysis/ need.  Open MPI: the
# Release build is an MPI build (below); not libhdf5-openmpi-dev, which would
# repoint `pkg-config hdf5` (cysim writes with the serial HDF5 on rank 0).
DEB_PACKAGES = build-essential cmake pkg-config libgsl-dev libconfig-dev \
  libhdf5-dev zlib1g-dev hdf5-tools python3 python3-h5py python3-numpy python3-pandas \
  python3-xarray python3-h5netcdf python3-netcdf4 python3-matplotlib \
  python3-scipy clang-format clang libclang-rt-14-dev llvm valgrind time \
  openmpi-bin libopenmpi-dev r-base-core r-cran-hdf5r \
  $(SLURM_PACKAGES)
# tests/test_cli_slurm.sh starts a private Slurm (tests/cluster/slurm.sh):
# slurm-wlm brings slurmctld, slurmd and the client commands, munge their
# authentication.  Installing them starts no daemon where policy-rc.d forbids
# it (containers); if one starts, the test's own daemons use other ports and a
# private munge socket anyway.
SLURM_PACKAGES = slurm-wlm munge

.PHONY: all deps build compile asan-build fuzz-build test fuzz run figures install bench clean format

all: build

# Installs only what is missing; needs root (or sudo) on Debian/Ubuntu.
deps:
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "make deps: installing:$$missing"; \
	    if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	    log=$${TMPDIR:-/tmp}/cysim-deps.$$$$.log; \
	    if { $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	         $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } >"$$log" 2>&1; then \
	      echo "make deps: installed (apt's output: $$log)"; \
	    else \
	      tail -n 30 "$$log"; echo "make deps: apt-get failed (its output: $$log)"; exit 1; \
	    fi; \
	  fi; \
	else \
	  echo "make deps: not a Debian/Ubuntu system; install: a C11 compiler, CMake >= 3.25, pkg-config, GSL, libconfig, serial HDF5 (with h5dump), Python 3 with h5py, pandas, xarray, h5netcdf, netCDF4, matplotlib, an MPI (e.g. Open MPI; or make CYSIM_MPI=OFF); for tests/test_cli_slurm.sh: Slurm (slurmctld, slurmd, sbatch) and munge"; \
	fi

# The Release build is the MPI build (`mpirun -n N cysim run`, sim/mpi), so
# `make test` runs tests/test_cli_mpi.sh; the sanitized and fuzz builds are
# not (in them tests/test_run_remote.c checks the remote-worker logic of
# sim/run with a fake transport).  CYSIM_MPI=OFF: no MPI needed.
CYSIM_MPI ?= ON
$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCYSIM_MPI=$(CYSIM_MPI) $(CMAKE_FLAGS)

build: deps compile

compile: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DCYSIM_SANITIZE=$(SANITIZE) -DCYSIM_BUILD_BENCH=OFF

asan-build: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

$(FUZZ_BUILD)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=$(FUZZ_CC) \
	  -DCMAKE_BUILD_TYPE=Debug -DCYSIM_FUZZ=ON -DCYSIM_BUILD_TESTS=OFF \
	  -DCYSIM_BUILD_BENCH=OFF

fuzz-build: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Each suite prints how long it took.
timed = t0=$$(date +%s); $(2); rc=$$?; \
  echo "make test: $(1): $$(($$(date +%s) - t0)) s"; exit $$rc

test: build asan-build fuzz-build
	@$(call timed,Release suite ($(BUILD)),cd $(BUILD) && ctest --output-on-failure -j $(JOBS))
	@$(call timed,ASan+UBSan suite ($(ASAN_BUILD)),cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS))
	@$(call timed,fuzz replay and fixed runs ($(FUZZ_BUILD)),cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS))

fuzz: fuzz-build
	@rc=0; for h in scenario results; do \
	  bash tests/fuzz/run.sh long $(FUZZ_BUILD)/tests/fuzz/fuzz_$$h $$h \
	    $(FUZZ_SECONDS) || rc=1; \
	done; exit $$rc

# `make run` shows the build only when it fails (its log stays in
# $(BUILD)/build.log), then the run's progress, where the figures went, and
# the report, last, so that it is what the terminal shows.
FLAGSHIP = ru_cn_pact_2015
RESULTS ?= results
FIGURES = paired survival timeseries dyads
run: deps
	@mkdir -p $(BUILD) $(RESULTS); \
	echo "make run: building cysim in $(BUILD)/ (log: $(BUILD)/build.log)"; \
	$(MAKE) --no-print-directory compile >$(BUILD)/build.log 2>&1 || \
	  { tail -n 40 $(BUILD)/build.log; echo "make run: the build failed (log: $(BUILD)/build.log)"; exit 1; }
	@./$(BUILD)/cysim run scenarios/$(FLAGSHIP).cfg -o $(RESULTS)/$(FLAGSHIP).h5 --force
	@$(MAKE) --no-print-directory -s figures
	@./$(BUILD)/cysim report $(RESULTS)/$(FLAGSHIP).h5

# The flagship's figures (analysis/cysim_plot.py), when Debian's Python has
# the packages; without them, one line says what is missing.
figures:
	@if /usr/bin/python3 -c 'import h5py, matplotlib, numpy, pandas, xarray' 2>/dev/null; then \
	  for k in $(FIGURES); do \
	    /usr/bin/python3 analysis/cysim_plot.py $(RESULTS)/$(FLAGSHIP).h5 $$k \
	      -o $(RESULTS)/$(FLAGSHIP)_$$k.png >/dev/null || exit 1; \
	  done; \
	  echo "make run: figures: $(foreach k,$(FIGURES),$(RESULTS)/$(FLAGSHIP)_$(k).png)"; \
	else \
	  echo "make run: no figures: /usr/bin/python3 lacks h5py, matplotlib, numpy, pandas or xarray (make deps installs them)"; \
	fi

# `make install PREFIX=$$HOME/.local`: the program, libcysim.a, the headers,
# the CMake package and cysim.pc (README, "Install").
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i $$(sh tools/c_sources.sh)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(RESULTS)
