"""qsim.hostinfo reads /proc/cpuinfo: checked on files written here (two
processors, both spellings of VNNI, a missing file), so every expected value
is known without asking the host."""

from qsim import hostinfo

TWO_CPUS = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Test CPU A @ 2.00GHz
cpu MHz\t\t: 1999.998
flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512_vnni

processor\t: 1
vendor_id\t: GenuineIntel
cpu family\t: 7
model name\t: Other CPU B
cpu MHz\t\t: 3000.000
flags\t\t: fpu avx_vnni
"""


def test_first_processor_only(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(TWO_CPUS)
    info = hostinfo.cpuinfo(path)
    assert info["model name"] == "Test CPU A @ 2.00GHz"
    assert info["cpu family"] == "6" and info["model"] == "143"
    assert hostinfo.cpu_flags(info) == {"fpu", "sse2", "avx2", "fma", "avx512f", "avx512bw",
                                        "avx512_vnni"}
    host = hostinfo.host_info(path)
    assert host["model"] == "Test CPU A @ 2.00GHz" and host["mhz"] == 1999.998
    # avx_vnni is only on the second processor.
    assert host["features"] == {"avx2": True, "fma": True, "avx512f": True,
                                "avx512bw": True, "avx512vnni": True, "avxvnni": False}
    assert hostinfo.cpu_description(path) == (
        "Test CPU A @ 2.00GHz (family 6 model 143; avx2, fma, avx512f, avx512bw, avx512vnni)")


def test_feature_spellings():
    assert hostinfo.features({"avx512vnni", "avxvnni"})["avx512vnni"]
    assert hostinfo.features({"avxvnni"}) == {"avx2": False, "fma": False, "avx512f": False,
                                              "avx512bw": False, "avx512vnni": False,
                                              "avxvnni": True}


def test_unreadable(tmp_path):
    missing = tmp_path / "none"
    assert hostinfo.cpuinfo(missing) == {}
    host = hostinfo.host_info(missing)
    assert host["model"] == "unknown" and host["mhz"] is None
    assert not any(host["features"].values())
    assert hostinfo.cpu_description(missing) == "unknown CPU"


def test_git_commit(tmp_path):
    assert hostinfo.git_commit(tmp_path) == "unknown"  # not a checkout
    rev = hostinfo.git_commit()
    assert rev == "unknown" or len(rev.split("+")[0]) >= 7
