"""How the package is laid out in a wheel (the project's metadata is in pyproject.toml).

Besides the `conformance` package, the wheel carries the case profiles and the reference fixtures of the checkout, as
`conformance/profiles/` and `conformance/fixtures/`, so an installed copy is a complete tool; `conformance.suite_files`
finds them there, or in the checkout when the package is imported from one.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=find_namespace_packages(include=["conformance*"]) + ["conformance.profiles", "conformance.fixtures"],
    package_dir={"conformance.profiles": "profiles", "conformance.fixtures": "fixtures"},
    package_data={
        "conformance": ["*.json", "**/*.json", "reporting/*.html", "reporting/*.css", "reporting/*.js"],
        "conformance.profiles": ["**/*.py"],  # the case modules and their conftest.py files
        "conformance.fixtures": ["iut/*.yaml", "errata/*.yaml", "firmware/*"],
    },
)
