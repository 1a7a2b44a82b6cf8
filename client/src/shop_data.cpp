// client/src/shop_data.cpp — see shop_data.hpp.
#include "shop_data.hpp"

#include "sqlite_statement.hpp"

namespace shopsync::client {

int UnsentWrites(LocalStore &store) {
    Statement st(store, "SELECT (SELECT count(*) FROM sync_outbox) + (SELECT count(*) FROM sync_failed) +"
                        " (SELECT count(*) FROM sync_conflicts WHERE dismissed = 0)");
    st.Step();
    return (int)st.Int(0);
}

void ForgetShopData(LocalStore &store) {
    for (const auto &entity : store.Entities())
        store.Exec("DELETE FROM " + entity);
    store.Exec("DELETE FROM sync_outbox; DELETE FROM sync_failed; DELETE FROM sync_conflicts;");
    for (const char *key : {"bootstrapped", "entities_checked_at", "access_lost", "server_protocol", "rules"})
        store.Put(key, "");
    store.Put("cursor", "0");
}

} // namespace shopsync::client
