# Drives one hostile-client class against a running `shiftgate sim` (see measure.sh). Local 127.0.0.1 only.
import json, sys, gzip, urllib.request, base64, time
cls, base, mode = sys.argv[1], sys.argv[2], sys.argv[3]
def req(method, path, body=None, headers={}, full=False):
    r = urllib.request.Request(base + path if not full else path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(r, timeout=600) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
cred = base64.b64encode(b"shiftgate-sim-client:shiftgate-sim-secret").decode()
st, body, _ = req("POST", "/oauth/token", b"grant_type=client_credentials", {"Authorization": "Basic " + cred, "Content-Type": "application/x-www-form-urlencoded"})
token = json.loads(body)["access_token"]
auth = {"Authorization": "Bearer " + token}
state = json.loads(req("GET", "/__sim/state")[1])
bu, week, sid = state["businessUnit"]["id"], state["schedule"]["weekDate"], state["schedule"]["id"]
S = f"/api/v2/workforcemanagement/businessunits/{bu}/weeks/{week}/schedules/{sid}"
if cls == "put":
    n = int(sys.argv[4])
    shift = state["agentSchedules"][0]["shifts"][0]
    start = shift["startDate"]
    import datetime
    t0 = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    shift["lengthMinutes"] = 600
    shift["activities"] = [{"startDate": (t0 + datetime.timedelta(minutes=k % 60)).strftime("%Y-%m-%dT%H:%M:%SZ"), "lengthMinutes": 120, "activityCodeId": shift["activities"][0]["activityCodeId"] if shift.get("activities") else "0"} for k in range(n)]
    doc = json.dumps(state).encode()
    h = {"Content-Type": "application/json", "If-Match": '"v%d"' % state["schedule"]["metadata"]["version"]}
    if mode == "after": h.update(auth)
    t = time.time(); st, body, _ = req("PUT", "/api/v2/wfm/scheduling/schedules/" + sid, doc, h)
    print(f"PUT {len(doc)//1024} KB with {n} overlapping activities -> {st}, answer {len(body)} bytes, {time.time()-t:.1f}s")
    print(body[:300])
elif cls in ("uploads", "bomb"):
    mib = 256 if cls == "uploads" else 1024
    gz = gzip.compress(b" " * (mib * 1024 * 1024), 9)
    count = 6 if cls == "uploads" else 1
    for i in range(count):
        st, body, _ = req("POST", S + "/update/uploadurl", json.dumps({"contentLengthBytes": len(gz)}).encode(), {**auth, "Content-Type": "application/json"})
        slot = json.loads(body)
        st, body, _ = req("PUT", slot["url"], gz, dict(slot["headers"]), full=True)
        print(f"upload {i+1}: {len(gz)//1024} KB gzip ({mib} MiB inflated) -> {st} {body[:160]!r}")
        if cls == "bomb":
            st, body, _ = req("POST", S + "/update", json.dumps({"uploadKey": slot["uploadKey"]}).encode(), {**auth, "Content-Type": "application/json"})
            print(f"update -> {st} {body[:200]!r}")
