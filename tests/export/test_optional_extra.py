"""torch stays optional: tinyspike never imports it, and without it the export names the extra."""
import subprocess
import sys

ALL = ("tinyspike, tinyspike.models.spiking_lm, tinyspike.neurons.lif, tinyspike.neurons.elastic, "
       "tinyspike.transforms, tinyspike.training, tinyspike.data.masking, tinyspike.export")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_importing_tinyspike_and_its_export_package_does_not_import_torch():
    r = _python(f"import sys, {ALL}; print('torch' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_without_torch_the_export_raises_an_import_error_naming_the_extra():
    r = _python("import sys; sys.modules['torch'] = None\n"
                "try:\n    from tinyspike.export import to_torch\n"
                "except ImportError as e:\n    print(e)\n")
    assert r.returncode == 0, r.stderr
    assert "tinyspike[torch]" in r.stdout and "PyTorch" in r.stdout
