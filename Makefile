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

# Debian packages the build, the tests and analysis/ need.
DEB_PACKAGES = build-essential cmake pkg-config libgsl-dev libconfig-dev \
  libhdf5-dev zlib1g-dev hdf5-tools python3 python3-h5py python3-numpy python3-pandas \
  python3-xarray python3-h5netcdf python3-netcdf4 python3-matplotlib \
  python3-scipy clang-format

.PHONY: all deps build asan-build test run bench clean format

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
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  fi; \
	else \
	  echo "make deps: not a Debian/Ubuntu system; install: a C11 compiler, CMake >= 3.25, pkg-config, GSL, libconfig, serial HDF5 (with h5dump), Python 3 with h5py, pandas, xarray, h5netcdf, netCDF4, matplotlib"; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DCYSIM_SANITIZE=$(SANITIZE) -DCYSIM_BUILD_BENCH=OFF

asan-build: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test: build asan-build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

run: build
	./$(BUILD)/cysim run scenarios/ru_cn_pact_2015.cfg -o $(BUILD)/ru_cn_pact_2015.h5 --force
	./$(BUILD)/cysim report $(BUILD)/ru_cn_pact_2015.h5

bench: build
	bash bench/run.sh $(BUILD)

format:
	clang-format -i include/cysim/*.h sim/*.c sim/*.h tests/*.c tests/*.h bench/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
