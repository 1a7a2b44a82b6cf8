-- sql/shopsync--0.1.0--0.2.0.sql — upgrade from 0.1.0 to 0.2.0, generated from
-- sql/upgrade/0.1.0--0.2.0/NN_name.sql in name order (each fragment repeats one
-- change of sql/src/*.sql for a database installed at 0.1.0).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION shopsync UPDATE TO '0.2.0'" to load this file. \quit
