"setup.py for codectok: reads its metadata from settings.ini (nbdev 2 layout)."
from configparser import ConfigParser
import setuptools, shlex
from packaging.version import parse  # `pkg_resources` is gone from setuptools >= 82

assert parse(setuptools.__version__) >= parse('36.2')

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

cfg_keys = 'version description keywords author author_email'.split()
expected = cfg_keys + "lib_name user branch license status min_python audience language".split()
for o in expected: assert o in cfg, f"missing expected setting: {o}"
setup_cfg = {o: cfg[o] for o in cfg_keys}

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

lic = licenses[cfg['license'].lower()]
min_python = cfg['min_python']
lic_name, lic_classifier = lic

requirements = shlex.split(cfg.get('requirements', ''))  # what the library imports; torch never pinned for users
dev_requirements = shlex.split(cfg.get('dev_requirements', ''))
console_scripts = [s.strip() for s in cfg.get('console_scripts', '').split('\n') if s.strip()]

setuptools.setup(
    name=cfg['lib_name'],
    license=lic_name,
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title(),
                 'License :: ' + lic_classifier]
               + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    # weights/ and results/ hold only data: found as namespace packages so their files ship without a warning
    packages=setuptools.find_namespace_packages(include=['codectok', 'codectok.*'], exclude=['*.__pycache__']),
    include_package_data=True,
    package_data={'codectok': ['weights/*.safetensors', 'weights/*.json', 'results/*.json']},
    install_requires=requirements,
    # No `render` extra: tinysoundfont declares pyaudio (no Linux wheel), so it is installed with
    # `pip install --no-deps tinysoundfont`. No `online` extra: encodecmae is not on the package index.
    extras_require={'dev': dev_requirements},
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': console_scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    **setup_cfg)
