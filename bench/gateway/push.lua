-- bench/gateway/push.lua — wrk script: each request pushes 100 new customers
-- with fresh idempotency keys and ids.
-- TOKENS: space-separated bearer tokens; requests take them in turn, so the
-- load spreads over that many shops.
local tokens = {}
for t in string.gmatch(os.getenv("TOKENS"), "%S+") do tokens[#tokens + 1] = t end
local counter = 0
local requests = 0
local function uuid()
    counter = counter + 1
    return string.format("%08x-%04x-4%03x-a%03x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff),
        math.random(0, 0xfff), math.random(0, 0xfff), counter * 65536 + math.random(0, 0xffff))
end
request = function()
    local events = {}
    for i = 1, 100 do
        events[i] = string.format(
            '{"idempotency_key":"%s","entity":"customers","entity_id":"%s","op":"create","base_version":0,"payload":{"name":"Bench %d"}}',
            uuid(), uuid(), i)
    end
    local body = '{"device_id":"wrk","events":[' .. table.concat(events, ",") .. ']}'
    -- Its own counter: uuid() moves `counter` 200 times a request, and 200 is a
    -- multiple of 8, so taking turns by `counter` sent every push to one shop.
    requests = requests + 1
    local token = tokens[requests % #tokens + 1]
    return wrk.format("POST", "/sync/push", {["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json"}, body)
end
