# ShopSync — offline-first sync for shop apps on PostgreSQL.
# One PGXS Makefile builds the C++ extension; the targets after PGXS build the
# gateway and the client and run tests, benchmarks and the demo.

EXTVERSION   = 0.1.0
MODULE_big   = shopsync
MODULEDIR    = extension
EXT_SOURCES  = $(sort $(wildcard extension/pg/*.cpp extension/core/*.cpp))
OBJS         = $(EXT_SOURCES:.cpp=.o)
DATA_built   = sql/shopsync--$(EXTVERSION).sql
DATA         = extension/shopsync.control
EXTRA_CLEAN  = sql/shopsync--$(EXTVERSION).sql

PG_CONFIG   ?= $(shell command -v pg_config 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_config)
PG_CPPFLAGS  = -Iextension -Iextension/pg -Iextension/core -DEXTVERSION=\"$(EXTVERSION)\"
PG_CXXFLAGS  = -std=c++17 -Wno-missing-field-initializers -Wno-register
SHLIB_LINK   = -lstdc++

# The bitcode for LLVM JIT inlining would need clang; the hot paths here are
# C++ calling into the executor, where inlining buys nothing.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

override CXXFLAGS += $(PG_CXXFLAGS)

# The install script is concatenated from sql/src/*.sql in name order.
sql/shopsync--$(EXTVERSION).sql: $(sort $(wildcard sql/src/*.sql))
	cat $^ > $@

# ---- project targets -------------------------------------------------------
# The gateway and the client have Makefiles of their own; binaries go to build/.
SUBDIRS := $(patsubst %/Makefile,%,$(wildcard gateway/Makefile client/Makefile))
all: $(SUBDIRS)
.PHONY: deps test bench demo format $(SUBDIRS)
$(SUBDIRS):
	$(MAKE) -C $@

deps:
	bash scripts/install-deps.sh

test: deps
	$(MAKE) all
	bash scripts/install-extension.sh
	bash test/run_tests.sh

bench: deps
	$(MAKE) all
	bash scripts/install-extension.sh
	bash bench/run_bench.sh

demo: deps
	$(MAKE) all
	bash scripts/install-extension.sh
	bash scripts/demo.sh

format:
	clang-format -i $(EXT_SOURCES) $(wildcard extension/pg/*.hpp extension/core/*.hpp)
