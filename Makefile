# ShopSync — offline-first sync for shop apps on PostgreSQL.
# One PGXS Makefile builds the C++ extension; the targets after PGXS build the
# gateway and the client and run tests, benchmarks and the demo.

# The version lives here only: the control file, META.json and the C++ code
# read it or are checked against it (test/upgrade/check_release.sh).
EXTVERSION   = 0.2.0
MODULE_big   = shopsync
MODULEDIR    = extension
EXT_SOURCES  = $(sort $(wildcard extension/pg/*.cpp extension/core/*.cpp))
OBJS         = $(EXT_SOURCES:.cpp=.o)
# Released install scripts are committed and frozen (sql/RELEASES); the current
# one and each upgrade step are generated from sql/src and sql/upgrade/<step>.
RELEASED_SQL = $(sort $(wildcard sql/shopsync--[0-9]*.[0-9]*.[0-9]*.sql))
UPGRADE_STEPS = $(notdir $(wildcard sql/upgrade/*--*))
UPGRADE_SQL  = $(patsubst %,sql/shopsync--%.sql,$(UPGRADE_STEPS))
DATA_built   = sql/shopsync--$(EXTVERSION).sql $(UPGRADE_SQL) extension/shopsync.control
DATA         = $(filter-out sql/shopsync--$(EXTVERSION).sql $(UPGRADE_SQL),$(RELEASED_SQL))
EXTRA_CLEAN  = sql/shopsync--$(EXTVERSION).sql $(UPGRADE_SQL) extension/shopsync.control

PG_CONFIG   ?= $(shell command -v pg_config 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_config)
PG_CPPFLAGS  = -Icommon -Iextension -Iextension/pg -Iextension/core -DEXTVERSION=\"$(EXTVERSION)\"
PG_CXXFLAGS  = -std=c++17 -Wno-missing-field-initializers -Wno-register
SHLIB_LINK   = -lstdc++

# The bitcode for LLVM JIT inlining would need clang; the hot paths here are
# C++ calling into the executor, where inlining buys nothing.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

override CXXFLAGS += $(PG_CXXFLAGS)

# PGXS knows no header dependencies: an object rebuilds when any header of
# the extension changes (a changed declaration must not link a stale object).
$(OBJS): $(wildcard extension/pg/*.hpp extension/core/*.hpp common/*.h)

# The install script is concatenated from sql/src/*.sql in name order, an
# upgrade step from its fragments sql/upgrade/<from>--<to>/NN_name.sql.
sql/shopsync--$(EXTVERSION).sql: $(sort $(wildcard sql/src/*.sql))
	cat $^ > $@

.SECONDEXPANSION:
$(UPGRADE_SQL): sql/shopsync--%.sql: $$(sort $$(wildcard sql/upgrade/%/*.sql))
	cat $^ > $@

extension/shopsync.control: extension/shopsync.control.in Makefile
	sed 's/@EXTVERSION@/$(EXTVERSION)/' $< > $@

# The version string is compiled in (api.sync_health reports it).
extension/pg/health.o: Makefile

# Only the extension (no gateway, no client): shopsync.so and its SQL files.
ext: $(shlib) $(DATA_built)

# ---- project targets -------------------------------------------------------
# The gateway and the client have Makefiles of their own; binaries go to build/.
SUBDIRS := $(patsubst %/Makefile,%,$(wildcard gateway/Makefile client/Makefile))
all: $(SUBDIRS)
.PHONY: deps test test-citus bench demo chaos fuzz format format-check ext $(SUBDIRS)
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

# The randomized fault suite (test/chaos): SEEDS=n runs seeds 1..n, SEED=n replays one
# with its step log, FAULTS=all (or a list) picks the fault kinds.
# ShopSync on Citus alone (test/citus): a coordinator and two workers; builds
# Citus 13.2 from third_party/citus once when it is not installed.
test-citus: deps ext gateway client
	bash scripts/install-extension.sh
	bash test/citus/run.sh

# The gateway's libFuzzer targets, each for FUZZ_SECONDS (make test: 30 s each).
fuzz: deps
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600) bash test/fuzz/run.sh

chaos: deps
	$(MAKE) all
	bash scripts/install-extension.sh
	if [ -n "$(SEED)" ]; then SEED=$(SEED) bash test/chaos/run.sh; else SEEDS=$${SEEDS:-200} bash test/chaos/run.sh; fi

demo: deps
	$(MAKE) all
	bash scripts/install-extension.sh
	bash scripts/demo.sh

# Every C++ file of ours: extension, gateway, client, common, tests, benches and fuzz targets.
FORMAT_FILES = $(EXT_SOURCES) $(wildcard extension/pg/*.hpp extension/core/*.hpp common/*.h common/*.hpp \
                 gateway/src/*.cpp gateway/src/*.hpp client/src/*.cpp client/src/*.hpp client/cli/*.cpp \
                 client/cli/*.hpp client/include/shopsync/*.h test/*/*.cpp test/*/*.hpp bench/*/*.cpp)
format:
	clang-format -i $(FORMAT_FILES)

# Fails when a file is not as clang-format would write it (test/format runs it).
format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)
