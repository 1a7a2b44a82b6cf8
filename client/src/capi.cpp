// client/src/capi.cpp — the C API (include/shopsync/shopsync.h) over Client.
// The firewall: no C++ exception leaves this file; each becomes a result code
// and a message for shopsync_errmsg.
#include "shopsync/shopsync.h"

#include "client.hpp"

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

using shopsync::client::Client;
using shopsync::client::ClientError;
using json = nlohmann::json;

// The token source's answer slot, alive only during the callback.
struct shopsync_token_reply {
    shopsync::client::TokenReply *reply;
};

struct shopsync_client {
    std::unique_ptr<Client> client;
    std::mutex error_mutex;
    std::map<std::thread::id, std::string> errors; // per thread, as the header promises

    void SetError(const std::string &message) {
        std::lock_guard<std::mutex> lock(error_mutex);
        errors[std::this_thread::get_id()] = message;
    }
    const char *Error() {
        std::lock_guard<std::mutex> lock(error_mutex);
        return errors[std::this_thread::get_id()].c_str();
    }
};

namespace {

template <class Body> int Guard(shopsync_client *h, Body &&body) {
    if (h == nullptr)
        return SHOPSYNC_MISUSE;
    try {
        if (!h->client)
            throw ClientError("the database is not open", SHOPSYNC_MISUSE);
        if (h->client->InTokenSource()) // it runs under the client's locks: a call would deadlock
            throw ClientError("the token source cannot call into its handle", SHOPSYNC_MISUSE);
        body(*h->client);
        h->SetError("");
        return SHOPSYNC_OK;
    } catch (const ClientError &e) {
        h->SetError(e.what());
        return e.code;
    } catch (const json::exception &e) {
        h->SetError(std::string("bad JSON: ") + e.what());
        return SHOPSYNC_INVALID;
    } catch (const std::bad_alloc &) {
        h->SetError("out of memory");
        return SHOPSYNC_ERROR;
    } catch (const std::exception &e) {
        h->SetError(e.what());
        return SHOPSYNC_ERROR;
    } catch (...) {
        h->SetError("unknown error");
        return SHOPSYNC_ERROR;
    }
}

// Copies into a caller-owned string.
void Out(char **out, const std::string &value) {
    if (out == nullptr)
        return;
    *out = static_cast<char *>(std::malloc(value.size() + 1));
    if (*out == nullptr)
        throw std::bad_alloc();
    std::memcpy(*out, value.c_str(), value.size() + 1);
}

void ClearOut(char **out) {
    if (out != nullptr)
        *out = nullptr;
}

std::string Required(const char *value, const char *name) {
    if (value == nullptr)
        throw ClientError(std::string(name) + " is required", SHOPSYNC_MISUSE);
    return value;
}

} // namespace

extern "C" {

const char *shopsync_libversion(void) {
    return SHOPSYNC_VERSION;
}

int shopsync_open(const char *path, shopsync_client **out) {
    if (out == nullptr)
        return SHOPSYNC_MISUSE;
    *out = new (std::nothrow) shopsync_client();
    if (*out == nullptr)
        return SHOPSYNC_ERROR;
    shopsync_client *h = *out;
    try {
        std::string p = Required(path, "path");
        h->client = std::make_unique<Client>(p);
        return SHOPSYNC_OK;
    } catch (const ClientError &e) {
        h->SetError(e.what());
        return e.code;
    } catch (const std::exception &e) {
        h->SetError(e.what());
        return SHOPSYNC_ERROR;
    }
}

int shopsync_close(shopsync_client *h) {
    if (h == nullptr)
        return SHOPSYNC_OK;
    if (h->client &&
        (h->client->InChangeCallback() || h->client->InTokenSource())) { // in use below us: keep it
        h->SetError("shopsync_close cannot be called from the change callback");
        return SHOPSYNC_MISUSE;
    }
    int rc = Guard(h, [](Client &c) { c.Stop(); });
    delete h;
    return rc == SHOPSYNC_MISUSE ? SHOPSYNC_OK : rc; // closing a handle whose open failed is fine
}

const char *shopsync_errmsg(shopsync_client *h) {
    return h == nullptr ? "no handle (NULL)" : h->Error();
}

int shopsync_set_server(shopsync_client *h, const char *url) {
    return Guard(h, [&](Client &c) { c.SetServer(Required(url, "url")); });
}

int shopsync_set_option(shopsync_client *h, const char *name, const char *value) {
    return Guard(h, [&](Client &c) { c.SetOption(Required(name, "name"), Required(value, "value")); });
}

int shopsync_device_id(shopsync_client *h, char **out) {
    ClearOut(out);
    return Guard(h, [&](Client &c) { Out(out, c.DeviceId()); });
}

int shopsync_set_device_id(shopsync_client *h, const char *device_id) {
    return Guard(h, [&](Client &c) { c.SetDeviceId(Required(device_id, "device_id")); });
}

int shopsync_login(shopsync_client *h, const char *email, const char *password, const char *shop_id) {
    return Guard(h, [&](Client &c) {
        c.Login(Required(email, "email"), Required(password, "password"), shop_id ? shop_id : "");
    });
}

int shopsync_logout(shopsync_client *h) {
    return Guard(h, [](Client &c) { c.Logout(); });
}

int shopsync_set_profile(shopsync_client *h, const char *profile, const char *rpc_prefix) {
    return Guard(h, [&](Client &c) { c.SetProfile(Required(profile, "profile"), rpc_prefix); });
}

int shopsync_set_apikey(shopsync_client *h, const char *apikey) {
    return Guard(h, [&](Client &c) { c.SetApiKey(apikey ? apikey : ""); });
}

int shopsync_set_tokens(shopsync_client *h, const char *access_token, const char *refresh_token,
                        int64_t expires_at) {
    return Guard(h, [&](Client &c) {
        c.SetTokens(Required(access_token, "access_token"), refresh_token ? refresh_token : "",
                    (double)expires_at);
    });
}

int shopsync_set_token_source(shopsync_client *h, shopsync_token_fn fn, void *context) {
    return Guard(h, [&](Client &c) {
        if (fn == nullptr) {
            c.SetTokenSource(nullptr);
            return;
        }
        c.SetTokenSource(
            [fn, context](shopsync::client::TokenReason reason, shopsync::client::TokenReply &reply) {
                shopsync_token_reply slot{&reply};
                return fn(context, (int)reason, &slot);
            });
    });
}

int shopsync_token_reply_set(shopsync_token_reply *reply, const char *access_token, int64_t expires_at) {
    if (reply == nullptr || reply->reply == nullptr || access_token == nullptr)
        return SHOPSYNC_MISUSE;
    try {
        shopsync::client::CheckTokenText(access_token, "the access token");
        if (expires_at < 0)
            return SHOPSYNC_INVALID;
        reply->reply->access_token = access_token;
        reply->reply->expires_at = (double)expires_at;
        return SHOPSYNC_OK;
    } catch (const ClientError &e) {
        return e.code;
    } catch (...) {
        return SHOPSYNC_ERROR;
    }
}

int shopsync_create(shopsync_client *h, const char *entity, const char *json_text, char **out_id) {
    ClearOut(out_id);
    return Guard(h, [&](Client &c) {
        Out(out_id, c.Create(Required(entity, "entity"), Required(json_text, "json")));
    });
}

int shopsync_update(shopsync_client *h, const char *entity, const char *id, const char *json_text) {
    return Guard(h, [&](Client &c) {
        c.Update(Required(entity, "entity"), Required(id, "id"), Required(json_text, "json"));
    });
}

int shopsync_update_flags(shopsync_client *h, const char *entity, const char *id, const char *json_text,
                          int flags) {
    return Guard(h, [&](Client &c) {
        if ((flags & ~SHOPSYNC_WRITE_OVERRIDE) != 0)
            throw ClientError("unknown write flags " + std::to_string(flags), SHOPSYNC_MISUSE);
        c.Update(Required(entity, "entity"), Required(id, "id"), Required(json_text, "json"),
                 (flags & SHOPSYNC_WRITE_OVERRIDE) != 0);
    });
}

int shopsync_delete(shopsync_client *h, const char *entity, const char *id) {
    return Guard(h, [&](Client &c) { c.Delete(Required(entity, "entity"), Required(id, "id")); });
}

int shopsync_write_group(shopsync_client *h, const char *writes_json, char **out_ids) {
    ClearOut(out_ids);
    return Guard(h,
                 [&](Client &c) { Out(out_ids, c.WriteGroup(Required(writes_json, "writes_json")).dump()); });
}

int shopsync_add_entity(shopsync_client *h, const char *entity) {
    return Guard(h, [&](Client &c) { c.AddEntity(Required(entity, "entity")); });
}

int shopsync_get(shopsync_client *h, const char *entity, const char *id, char **out_json) {
    ClearOut(out_json);
    return Guard(
        h, [&](Client &c) { Out(out_json, c.Get(Required(entity, "entity"), Required(id, "id")).dump()); });
}

int shopsync_query(shopsync_client *h, const char *entity, const char *filter_json, char **out_json) {
    ClearOut(out_json);
    return Guard(h, [&](Client &c) {
        Out(out_json, c.Query(Required(entity, "entity"), filter_json ? filter_json : "").dump());
    });
}

int shopsync_sync_now(shopsync_client *h, char **out_report) {
    ClearOut(out_report);
    return Guard(h, [&](Client &c) {
        shopsync::client::SyncReport r = c.SyncNow();
        json report{{"pushed", r.pushed},
                    {"accepted", r.accepted},
                    {"conflicts", r.conflicts},
                    {"rejected", r.rejected},
                    {"pulled", r.pulled},
                    {"rebuilt", r.rebuilt},
                    {"recovered", r.recovered},
                    {"reuploaded", r.reuploaded},
                    {"ok", r.ok},
                    {"seconds", r.seconds},
                    {"error", r.error.empty() ? json() : json(r.error)}};
        Out(out_report, report.dump());
        if (!r.ok)
            throw ClientError(r.error, r.code == SHOPSYNC_OK ? SHOPSYNC_ERROR : r.code);
    });
}

int shopsync_start(shopsync_client *h) {
    return Guard(h, [](Client &c) { c.Start(); });
}

int shopsync_stop(shopsync_client *h) {
    return Guard(h, [](Client &c) { c.Stop(); });
}

int shopsync_status(shopsync_client *h, char **out_json) {
    ClearOut(out_json);
    return Guard(h, [&](Client &c) { Out(out_json, c.Status().dump()); });
}

int shopsync_conflicts(shopsync_client *h, char **out_json) {
    ClearOut(out_json);
    return Guard(h, [&](Client &c) { Out(out_json, c.Conflicts().dump()); });
}

int shopsync_dismiss_conflict(shopsync_client *h, int64_t conflict_id) {
    return Guard(h, [&](Client &c) { c.DismissConflict(conflict_id); });
}

int shopsync_forget_shop(shopsync_client *h) {
    return Guard(h, [](Client &c) { c.ForgetShop(); });
}

int shopsync_failed_writes(shopsync_client *h, char **out_json) {
    ClearOut(out_json);
    return Guard(h, [&](Client &c) { Out(out_json, c.FailedWrites().dump()); });
}

int shopsync_retry_failed(shopsync_client *h, int64_t failure_id, const char *changes_json, int flags) {
    return Guard(h, [&](Client &c) {
        if ((flags & ~SHOPSYNC_WRITE_OVERRIDE) != 0)
            throw ClientError("unknown write flags " + std::to_string(flags), SHOPSYNC_MISUSE);
        c.RetryFailed(failure_id, changes_json ? changes_json : "", (flags & SHOPSYNC_WRITE_OVERRIDE) != 0);
    });
}

int shopsync_discard_failed(shopsync_client *h, int64_t failure_id) {
    return Guard(h, [&](Client &c) { c.DiscardFailed(failure_id); });
}

int shopsync_on_change(shopsync_client *h, shopsync_change_fn fn, void *context) {
    return Guard(h, [&](Client &c) {
        if (fn == nullptr)
            c.OnChange(nullptr);
        else
            c.OnChange([fn, context](const std::string &source, const std::string &entity) {
                fn(context, source.c_str(), entity.c_str());
            });
    });
}

int shopsync_migrate_legacy(shopsync_client *h, const char *legacy_path, char **out_report) {
    ClearOut(out_report);
    return Guard(
        h, [&](Client &c) { Out(out_report, c.MigrateLegacy(Required(legacy_path, "legacy_path")).dump()); });
}

int shopsync_parity_legacy(shopsync_client *h, const char *legacy_path, char **out_report) {
    ClearOut(out_report);
    return Guard(
        h, [&](Client &c) { Out(out_report, c.ParityLegacy(Required(legacy_path, "legacy_path")).dump()); });
}

int shopsync_export(shopsync_client *h, const char *format, char **out_json) {
    ClearOut(out_json);
    return Guard(h, [&](Client &c) { Out(out_json, c.ExportShop(Required(format, "format")).dump()); });
}

void shopsync_free(void *p) {
    std::free(p);
}

} // extern "C"
