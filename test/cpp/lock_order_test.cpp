// test/cpp/lock_order_test.cpp — two pushes of one shop never deadlock
// (40P01): every push takes its row locks in one global order (entity depth,
// then id), parents it checks and children it cascades to included.
// Each case drives the interleaving that closed a lock cycle before that
// order held: a third session holds one row so a push stops half-way through
// its locks, the other push runs into it, and the held row is released
// (for creates, a test trigger holds the insert).
// Needs a cluster with the extension (test/cpp/run.sh starts one).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pg_session.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

using json = nlohmann::json;
using shopsync_test::PgError;
using shopsync_test::PgSession;
using shopsync_test::RandomUuid;

namespace {

std::mt19937_64 rng(20261125);

using Shop = shopsync_test::TestShop;

Shop MakeShop(const std::string &name) {
    return shopsync_test::MakeShop(rng, name);
}

json Event(const std::string &entity, const std::string &id, const std::string &op, int base,
           const json &payload = json::object()) {
    return json{{"idempotency_key", RandomUuid(rng)},
                {"entity", entity},
                {"entity_id", id},
                {"op", op},
                {"base_version", base},
                {"payload", payload}};
}

json Push(const Shop &shop, const json &events) {
    PgSession db;
    json body{{"device_id", "setup"}, {"events", events}};
    json out = json::parse(db.Call(shop.owner, shop.id, "SELECT api.sync_push($1::jsonb)", {body.dump()}));
    REQUIRE(out["accepted"].size() == events.size());
    return out;
}

json Item(const std::string &order_id) {
    return {{"order_id", order_id}, {"product_name", "tea"}, {"quantity", 1}, {"unit_price", 2}};
}

// An order with two items whose ids are in ascending order (lo < hi); hi is
// created first, so it comes first in the table (ctid) and in the order's index.
struct OrderWithItems {
    std::string order, lo, hi;
};

OrderWithItems MakeOrder(const Shop &shop) {
    OrderWithItems o{RandomUuid(rng), RandomUuid(rng), RandomUuid(rng)};
    if (o.hi < o.lo)
        std::swap(o.lo, o.hi);
    Push(shop,
         json::array({Event("orders", o.order, "create", 0, {{"order_code", "o-" + o.order.substr(0, 8)}}),
                      Event("order_items", o.hi, "create", 0, Item(o.order))}));
    Push(shop, json::array({Event("order_items", o.lo, "create", 0, Item(o.order))}));
    return o;
}

// A session holding one row lock until Release().
struct Holder {
    PgSession db;
    Holder(const std::string &table, const std::string &id, const std::string &mode) {
        db.Query("BEGIN");
        db.Query("SELECT 1 FROM shopsync." + table + " WHERE id = $1 FOR " + mode, {id});
    }
    void Release() { db.Query("COMMIT"); }
};

// A push in its own transaction on a thread; keeps its answer or SQLSTATE.
struct AsyncPush {
    PgSession db;
    std::string pid, response, sqlstate, error;
    std::thread thread;

    AsyncPush(const Shop &shop, const std::string &device, const json &events) {
        pid = db.Value("SELECT pg_backend_pid()");
        json body{{"device_id", device}, {"events", events}};
        thread = std::thread([this, shop, body] {
            try {
                db.Query("BEGIN");
                db.Query("SET LOCAL deadlock_timeout = '50ms'"); // a cycle shows at once
                db.ActAs(shop.owner, shop.id);
                response = db.Value("SELECT api.sync_push($1::jsonb)", {body.dump()});
                db.Query("COMMIT");
            } catch (const PgError &e) {
                sqlstate = e.sqlstate;
                error = e.what();
                db.Query("ROLLBACK");
            } catch (const std::exception &e) {
                error = e.what();
            }
        });
    }
    bool Join() {
        thread.join();
        INFO(pid << ": " << error);
        CHECK(sqlstate != "40P01"); // the deadlock this suite is about
        CHECK(error.empty());
        return error.empty();
    }
    json Answer() { return json::parse(response); }
};

// Waits until the backend waits on a lock another session holds.
void WaitUntilBlocked(const std::string &pid) {
    PgSession admin;
    for (int i = 0; i < 200; i++) {
        if (admin.Value("SELECT cardinality(pg_blocking_pids($1)) > 0", {pid}) == "t")
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("backend " << pid << " never waited for a lock");
}

std::string Scalar(const std::string &sql, const std::vector<std::string> &params) {
    PgSession admin;
    return admin.Value(sql, params);
}

} // namespace

TEST_CASE("a delete that cascades to items and a push editing those items do not deadlock", "[lock-order]") {
    // B locks item lo, then checks its parent order; A locks the order, then
    // cascades the tombstone to its items.
    Shop shop = MakeShop("cascade vs item edit");
    OrderWithItems o = MakeOrder(shop);
    Holder hold("order_items", o.hi, "UPDATE");
    AsyncPush b(shop, "dev-b",
                json::array({Event("order_items", o.lo, "update", 1, {{"sku", "b"}}),
                             Event("order_items", o.hi, "update", 1, {{"sku", "b"}})}));
    WaitUntilBlocked(b.pid);
    AsyncPush a(shop, "dev-a", json::array({Event("orders", o.order, "delete", 1)}));
    WaitUntilBlocked(a.pid);
    hold.Release();
    bool b_ok = b.Join(), a_ok = a.Join();
    REQUIRE((b_ok && a_ok));
    CHECK(a.Answer()["accepted"].size() == 1);
    CHECK(Scalar("SELECT count(*) FROM shopsync.order_items WHERE order_id = $1 AND deleted_at IS NULL",
                 {o.order}) == "0");
}

TEST_CASE("a push editing an order and its item and one editing the item do not deadlock", "[lock-order]") {
    // B locks item lo, then checks its parent order; A locks the order, then the item.
    Shop shop = MakeShop("order and item edit");
    OrderWithItems o = MakeOrder(shop);
    Holder hold("order_items", o.hi, "UPDATE");
    AsyncPush b(shop, "dev-b",
                json::array({Event("order_items", o.lo, "update", 1, {{"sku", "b"}}),
                             Event("order_items", o.hi, "update", 1, {{"sku", "b"}})}));
    WaitUntilBlocked(b.pid);
    AsyncPush a(shop, "dev-a",
                json::array({Event("orders", o.order, "update", 1, {{"notes", "a"}}),
                             Event("order_items", o.lo, "update", 1, {{"sku", "a"}})}));
    WaitUntilBlocked(a.pid);
    hold.Release();
    bool b_ok = b.Join(), a_ok = a.Join();
    REQUIRE((b_ok && a_ok));
    CHECK(b.Answer()["accepted"].size() == 2);
    CHECK(a.Answer()["accepted"].size() == 1); // the order; the item is a conflict now
    CHECK(a.Answer()["conflicts"].size() == 1);
}

TEST_CASE("a cascade and item deletes lock the items in one order", "[lock-order]") {
    // The cascade would reach the order's items in table order (hi first); B
    // deletes items in id order: lo, then mid (of another order, held), then hi.
    Shop shop = MakeShop("cascade vs item deletes");
    std::vector<std::string> ids{RandomUuid(rng), RandomUuid(rng), RandomUuid(rng)};
    std::sort(ids.begin(), ids.end());
    std::string order = RandomUuid(rng), other = RandomUuid(rng), lo = ids[0], mid = ids[1], hi = ids[2];
    Push(shop, json::array({Event("orders", order, "create", 0), Event("orders", other, "create", 0),
                            Event("order_items", hi, "create", 0, Item(order)),
                            Event("order_items", mid, "create", 0, Item(other))}));
    Push(shop, json::array({Event("order_items", lo, "create", 0, Item(order))}));
    REQUIRE(Scalar("SELECT (SELECT ctid FROM shopsync.order_items WHERE id = $1)"
                   " < (SELECT ctid FROM shopsync.order_items WHERE id = $2)",
                   {hi, lo}) == "t");
    Holder hold("order_items", mid, "UPDATE");
    AsyncPush b(shop, "dev-b",
                json::array({Event("order_items", hi, "delete", 1), Event("order_items", lo, "delete", 1),
                             Event("order_items", mid, "delete", 1)}));
    WaitUntilBlocked(b.pid);
    AsyncPush a(shop, "dev-a", json::array({Event("orders", order, "delete", 1)}));
    WaitUntilBlocked(a.pid);
    hold.Release();
    bool b_ok = b.Join(), a_ok = a.Join();
    REQUIRE((b_ok && a_ok));
    CHECK(b.Answer()["accepted"].size() == 3);
    CHECK(a.Answer()["accepted"].size() == 1);
}

TEST_CASE("an order's customer link does not lock the customer against a push editing it", "[lock-order]") {
    // orders.customer_id is a foreign key no parent rule names: its check
    // key-share locks the customer when B writes the link. A edits the
    // customer, then the order B holds.
    Shop shop = MakeShop("customer link");
    std::string customer = RandomUuid(rng), first = RandomUuid(rng), second = RandomUuid(rng);
    if (second < first)
        std::swap(first, second);
    Push(shop, json::array({Event("customers", customer, "create", 0, {{"name", "Ann"}}),
                            Event("orders", first, "create", 0), Event("orders", second, "create", 0)}));
    Holder hold("orders", second, "UPDATE");
    AsyncPush b(shop, "dev-b",
                json::array({Event("orders", first, "update", 1, {{"customer_id", customer}}),
                             Event("orders", second, "update", 1, {{"notes", "b"}})}));
    WaitUntilBlocked(b.pid);
    AsyncPush a(shop, "dev-a",
                json::array({Event("customers", customer, "update", 1, {{"phone", "1"}}),
                             Event("orders", first, "update", 1, {{"notes", "a"}})}));
    WaitUntilBlocked(a.pid);
    hold.Release();
    bool b_ok = b.Join(), a_ok = a.Join();
    REQUIRE((b_ok && a_ok));
    CHECK(b.Answer()["accepted"].size() == 2);
    CHECK(a.Answer()["accepted"].size() == 1); // the customer; the order is a conflict now
}

TEST_CASE("two pushes creating the same rows in different array orders do not deadlock", "[lock-order]") {
    // A trigger stops A's insert of a row named "gate" until the test opens
    // it: A has inserted lo and waits at hi; B sends hi before lo.
    Shop shop = MakeShop("same creates");
    PgSession admin;
    admin.Query("CREATE FUNCTION public.lock_order_gate() RETURNS trigger LANGUAGE plpgsql AS"
                " $$BEGIN IF NEW.name = 'gate' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF;"
                " RETURN NEW; END$$");
    admin.Query("CREATE TRIGGER lock_order_gate BEFORE INSERT ON shopsync.customers"
                " FOR EACH ROW EXECUTE FUNCTION public.lock_order_gate()");
    std::string lo = RandomUuid(rng), hi = RandomUuid(rng);
    if (hi < lo)
        std::swap(lo, hi);
    PgSession gate;
    gate.Query("SELECT pg_advisory_lock(4242)");
    AsyncPush a(shop, "dev-a",
                json::array({Event("customers", lo, "create", 0, {{"name", "a"}}),
                             Event("customers", hi, "create", 0, {{"name", "gate"}})}));
    WaitUntilBlocked(a.pid);
    AsyncPush b(shop, "dev-b",
                json::array({Event("customers", hi, "create", 0, {{"name", "b"}}),
                             Event("customers", lo, "create", 0, {{"name", "b"}})}));
    WaitUntilBlocked(b.pid);
    gate.Query("SELECT pg_advisory_unlock(4242)");
    bool a_ok = a.Join(), b_ok = b.Join();
    admin.Query("DROP TRIGGER lock_order_gate ON shopsync.customers");
    admin.Query("DROP FUNCTION public.lock_order_gate()");
    REQUIRE((a_ok && b_ok));
    CHECK(a.Answer()["accepted"].size() == 2);
    CHECK(b.Answer()["accepted"].size() == 0); // the rows are A's
}
