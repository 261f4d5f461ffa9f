# Writes catalog.json from the release tables of its sources, which each row names (hotpatch.Sources, SOURCES.md).
# Kept so a reader can see how each row was transcribed; run from this folder.
import json
W, S25, S22 = "windows11", "server2025", "server2022"
rows = []
def row(tracks, kb, builds, date, kind, restart, baseline="", source="", unconfirmed=""):
    r = {"kb": kb, "tracks": tracks, "builds": builds, "released": date, "kind": kind, "restart": restart}
    if baseline: r["baseline"] = baseline
    r["source"] = source
    if unconfirmed: r["unconfirmed"] = unconfirmed
    rows.append(r)

both = [W, S25]
# Windows 11 24H2/25H2 and (until 2025-12) Windows Server 2025, section 4.1 and 4.2.
row(both, "KB5044284", ["26100.2033"], "2024-10-08", "baseline", True, source="S23",
    unconfirmed="KB number assumed; 26100.2033 is the build the hotpatch preview required, and no Microsoft table calls it a baseline; Server 2025 reached GA on 2024-11-01 at 26100.1742 [S3]")
row(both, "KB5046696", ["26100.2240"], "2024-11-12", "hotpatch", False, "KB5044284", "S3 S23", unconfirmed="preview-period hotpatch; its baseline is the assumed KB5044284")
row([W], "KB5046617", ["26100.2314"], "2024-11-12", "lcu", True, source="S3 S23")
row(both, "KB5048794", ["26100.2528"], "2024-12-10", "hotpatch", False, "KB5044284", "S3", unconfirmed="preview-period hotpatch; its baseline is the assumed KB5044284")
row([W], "KB5048667", ["26100.2605"], "2024-12-10", "lcu", True, source="S3")
row(both, "KB5050009", ["26100.2894"], "2025-01-14", "baseline", True, source="S3 S33")
row(both, "KB5052105", ["26100.3107"], "2025-02-11", "hotpatch", False, "KB5050009", "S3")
row([W], "KB5051987", ["26100.3194"], "2025-02-11", "lcu", True, source="S3")
row(both, "KB5053636", ["26100.3403"], "2025-03-11", "hotpatch", False, "KB5050009", "S3")
row([W], "KB5053598", ["26100.3476"], "2025-03-11", "lcu", True, source="S3")
row(both, "KB5055523", ["26100.3775"], "2025-04-08", "baseline", True, source="S3")
row(both, "KB5058497", ["26100.3981"], "2025-05-13", "hotpatch", False, "KB5055523", "S3 S23")
row([W], "KB5058411", ["26100.4061"], "2025-05-13", "lcu", True, source="S3")
row([W], "KB5061258", ["26100.3983"], "2025-05-16", "oob", False, "KB5055523", "S23", unconfirmed="out-of-band hotpatch known from a single third-party source")
row(both, "KB5060841", ["26100.4270"], "2025-06-10", "hotpatch", False, "KB5055523", "S3")
row([W], "KB5060842", ["26100.4349"], "2025-06-10", "lcu", True, source="S3")
row(both, "KB5062553", ["26100.4652"], "2025-07-08", "baseline", True, source="S3")
row(both, "KB5064010", ["26100.4851"], "2025-08-12", "hotpatch", False, "KB5062553", "S3")
row([W], "KB5063878", ["26100.4946"], "2025-08-12", "lcu", True, source="S3")
row(both, "KB5065474", ["26100.6508"], "2025-09-09", "hotpatch", False, "KB5062553", "S3 S22")
row([W], "KB5065426", ["26100.6584"], "2025-09-09", "lcu", True, source="S3")
row(both, "KB5066835", ["26100.6899", "26200.6899"], "2025-10-14", "baseline", True, source="S3 S21")
row([S25], "KB5070881", ["26100.6905"], "2025-10-23", "oob", True, source="S4b S34",
    unconfirmed="offered by mistake to some hotpatch machines; installing it leaves hotpatch until the next baseline [S4b]")
row([S25], "KB5070893", ["26100.6905"], "2025-10-24", "oob", True, source="S4b",
    unconfirmed="hotpatch-compatible WSUS security update: installing it keeps the machine on hotpatch [S4b]; whether it restarts is inferred")
row(both, "KB5068966", ["26100.7092", "26200.7092"], "2025-11-11", "hotpatch", False, "KB5066835", "S3 S21")
row([W], "KB5068861", ["26100.7171", "26200.7171"], "2025-11-11", "lcu", True, source="S3 S21")
row([W], "KB5072753", ["26200.7093"], "2025-11-20", "oob", False, "KB5066835", "S23",
    unconfirmed="out-of-band hotpatch known from a single third-party source; its 24H2 build is not known")
row(both, "KB5072014", ["26100.7392", "26200.7392"], "2025-12-09", "hotpatch", False, "KB5066835", "S3 S22")
row([W], "KB5072033", ["26100.7462", "26200.7462"], "2025-12-09", "lcu", True, source="S3 S21")
# Windows 11 from 2026: Server 2025 moved to its own revision range.
row([W], "KB5074109", ["26100.7623", "26200.7623"], "2026-01-13", "baseline", True, source="S21 S23 S24")
row([W], "KB5077212", ["26100.7781", "26200.7781"], "2026-02-10", "hotpatch", False, "KB5074109", "S21 S23")
row([W], "KB5077181", ["26100.7840", "26200.7840"], "2026-02-10", "lcu", True, source="S21 S23")
row([W], "KB5079420", ["26100.7979", "26200.7979"], "2026-03-10", "hotpatch", False, "KB5074109", "S21 S22")
row([W], "KB5079473", ["26100.8037", "26200.8037"], "2026-03-10", "lcu", True, source="S21 S22")
row([W], "KB5084897", [], "2026-03-16", "oob", False, "KB5074109", "S22",
    unconfirmed="out-of-band hotpatch whose build is not known")
row([W], "KB5083769", ["26100.8246", "26200.8246"], "2026-04-14", "baseline", True, source="S24",
    unconfirmed="KB and build from third-party sources only")
row([W], "KB5089466", ["26100.8390", "26200.8390"], "2026-05-12", "hotpatch", False, "KB5083769", "S22 S23")
row([W], "KB5089549", ["26100.8457", "26200.8457"], "2026-05-12", "lcu", True, source="S22 S23")
row([W], "KB5094126", [], "2026-06-09", "baseline", True, source="S24",
    unconfirmed="a single third-party source calls June 2026 an unplanned client baseline; Microsoft's calendar planned a hotpatch; build not known")
# Windows Server 2025 from 2026, section 4.2.
row([S25], "KB5073379", ["26100.32230"], "2026-01-13", "baseline", True, source="S3")
row([S25], "KB5077793", ["26100.32234"], "2026-01-17", "oob", True, source="S3")
row([S25], "KB5078135", ["26100.32236"], "2026-01-24", "oob", True, source="S3")
row([S25], "KB5075942", ["26100.32313"], "2026-02-10", "hotpatch", False, "KB5073379", "S3")
row([S25], "KB5075899", ["26100.32370"], "2026-02-10", "lcu", True, source="S3")
row([S25], "KB5078736", ["26100.32463"], "2026-03-10", "hotpatch", False, "KB5073379", "S3")
row([S25], "KB5078740", ["26100.32522"], "2026-03-10", "lcu", True, source="S3")
row([S25], "KB5082063", ["26100.32690"], "2026-04-14", "baseline", True, source="S3")
row([S25], "KB5091157", ["26100.32698"], "2026-04-19", "oob", True, source="S3")
row([S25], "KB5087423", ["26100.32772"], "2026-05-12", "hotpatch", False, "KB5082063", "S3")
row([S25], "KB5087539", ["26100.32860"], "2026-05-12", "lcu", True, source="S3")
# Windows Server 2022 Datacenter: Azure Edition, section 4.3.
s22 = """2024-01 Baseline 2024-01-09 20348.2227 KB5034129
2024-02 Hotpatch 2024-02-13 20348.2277 KB5034860
2024-03 Hotpatch 2024-03-12 20348.2333 KB5035959
2024-04 Baseline 2024-04-09 20348.2402 KB5036909
2024-05 Hotpatch 2024-05-14 20348.2458 KB5037848
2024-06 Hotpatch 2024-06-11 20348.2522 KB5039330
2024-07 Baseline 2024-07-09 20348.2582 KB5040437
2024-08 Baseline 2024-08-13 20348.2655 KB5041160
2024-09 Hotpatch 2024-09-10 20348.2695 KB5042880
2024-10 Baseline 2024-10-08 20348.2762 KB5044281
2024-11 Hotpatch 2024-11-12 20348.2819 KB5046698
2024-12 Hotpatch 2024-12-10 20348.2908 KB5048800
2025-01 Baseline 2025-01-14 20348.3091 KB5049983
2025-02 Hotpatch 2025-02-11 20348.3148 KB5052106
2025-03 Hotpatch 2025-03-11 20348.3270 KB5053638
2025-04 Baseline 2025-04-08 20348.3453 KB5055526
2025-05 Hotpatch 2025-05-13 20348.3630 KB5058500
2025-06 Hotpatch 2025-06-10 20348.3745 KB5060525
2025-07 Baseline 2025-07-08 20348.3932 KB5062572
2025-08 Hotpatch 2025-08-12 20348.3989 KB5063812
2025-09 Hotpatch 2025-09-09 20348.4106 KB5065306
2025-10 Baseline 2025-10-14 20348.4294 KB5066782
2025-11 Hotpatch 2025-11-11 20348.4346 KB5068840
2025-12 Hotpatch 2025-12-09 20348.4467 KB5071413
2026-01 Baseline 2026-01-13 20348.4648 KB5073457
2026-02 Hotpatch 2026-02-10 20348.4711 KB5075943
2026-03 Hotpatch 2026-03-10 20348.4830 KB5078737
2026-04 Baseline 2026-04-14 20348.5020 KB5082142
2026-05 Hotpatch 2026-05-12 20348.5074 KB5087424"""
base = ""
for line in s22.splitlines():
    m, kind, date, build, kb = line.split()
    if kind == "Baseline":
        row([S22], kb, [build], date, "baseline", True, source="S3")
        base = kb
    else:
        row([S22], kb, [build], date, "hotpatch", False, base, "S3")
rows.sort(key=lambda r: (r["released"], r["kb"]))
with open("catalog.json", "w") as f:
    f.write("[\n" + ",\n".join(" " + json.dumps(r) for r in rows) + "\n]\n")
