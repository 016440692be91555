"""Password hashes cross between `tessera password` and passlib in both directions."""
import pytest
from passlib.hash import pbkdf2_sha256, scrypt

PASSWORD = "correct horse battery staple ✓"


@pytest.mark.parametrize("scheme,handler", [("scrypt", scrypt), ("pbkdf2-sha256", pbkdf2_sha256)])
def test_tessera_hash_verifies_in_passlib(tessera, scheme, handler):
    phc = tessera.ok("password", "hash", stdin=PASSWORD + "\n", env={"TESSERA_PASSWORD_SCHEME": scheme})
    assert handler.identify(phc)
    assert handler.verify(PASSWORD, phc)
    assert not handler.verify(PASSWORD + "x", phc)
    if scheme == "scrypt":
        assert phc.startswith("$scrypt$ln=17,r=8,p=1$")
    else:
        assert phc.startswith("$pbkdf2-sha256$600000$")


@pytest.mark.parametrize("phc", [
    scrypt.hash(PASSWORD),
    scrypt.using(rounds=12).hash(PASSWORD),
    pbkdf2_sha256.hash(PASSWORD),
    pbkdf2_sha256.using(rounds=600000).hash(PASSWORD),
])
def test_passlib_hash_verifies_in_tessera(tessera, phc):
    assert tessera.run("password", "verify", phc, stdin=PASSWORD).returncode == 0
    wrong = tessera.run("password", "verify", phc, stdin=PASSWORD + "!")
    assert wrong.returncode == 1
    assert PASSWORD not in wrong.stderr


def test_bad_password_input_is_a_usage_error(tessera):
    assert tessera.run("password", "hash", stdin="").returncode == 2
    assert tessera.run("password", "hash", stdin="a" * 1025).returncode == 2
    assert tessera.run("password", "verify", "$md5$nope", stdin="pw").returncode == 2
