#!/usr/bin/env python3
"""Sanity checks for the feed fixtures in this folder (structure only; it does not parse the feeds).

Every NAME.xml / NAME.json document must have NAME.expected.json and an entry in urls.json;
every expected file must be {"title", "link", "entries": [{"id","title","link","published","author","categories","excerpt"}]}
with the right types, `published` either null or YYYY-MM-DDTHH:MM:SSZ, and excerpts of at most 60 words
(plus an optional trailing "…" glued to the 60th word). Exit status 0 when all is well.

Usage: python3 check_fixtures.py [FIXTURES_DIR]
"""
import json
import os
import re
import sys

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
DATE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
FEED_KEYS = ['title', 'link', 'entries']
ENTRY_KEYS = ['id', 'title', 'link', 'published', 'author', 'categories', 'excerpt']

problems = []

def bad(msg):
    problems.append(msg)

def is_str_or_none(v):
    return v is None or isinstance(v, str)

docs = sorted(f for f in os.listdir(HERE)
              if os.path.isfile(os.path.join(HERE, f))
              and (f.endswith('.xml') or f.endswith('.json'))
              and not f.endswith('.expected.json') and f != 'urls.json')
names = [os.path.splitext(f)[0] for f in docs]
if len(set(names)) != len(names):
    bad('two documents share a name: %s' % names)

try:
    with open(os.path.join(HERE, 'urls.json'), encoding='utf-8') as fh:
        urls = json.load(fh)
except (OSError, ValueError) as e:
    bad('urls.json: %s' % e)
    urls = {}
readme = ''
try:
    with open(os.path.join(HERE, 'README.md'), encoding='utf-8') as fh:
        readme = fh.read()
except OSError as e:
    bad('README.md: %s' % e)

for name in names:
    if name not in urls:
        bad('%s: no entry in urls.json' % name)
    elif not (isinstance(urls[name], str) and re.match(r'^https?://[^/\s]+', urls[name])):
        bad('%s: urls.json value is not an absolute http(s) URL: %r' % (name, urls[name]))
    if '`%s`' % name not in readme:
        bad('%s: not listed in README.md' % name)
    path = os.path.join(HERE, name + '.expected.json')
    if not os.path.exists(path):
        bad('%s: no %s.expected.json' % (name, name))
        continue
    try:
        with open(path, encoding='utf-8') as fh:
            exp = json.load(fh)
    except ValueError as e:
        bad('%s.expected.json: not JSON: %s' % (name, e))
        continue
    if not isinstance(exp, dict) or sorted(exp) != sorted(FEED_KEYS):
        bad('%s: top-level keys must be %s, got %s' % (name, FEED_KEYS, list(exp) if isinstance(exp, dict) else type(exp)))
        continue
    if not isinstance(exp['title'], str):
        bad('%s: feed title must be a string' % name)
    if not is_str_or_none(exp['link']):
        bad('%s: feed link must be a string or null' % name)
    if not isinstance(exp['entries'], list) or not exp['entries']:
        bad('%s: entries must be a non-empty array' % name)
        continue
    for i, e in enumerate(exp['entries']):
        where = '%s entries[%d]' % (name, i)
        if not isinstance(e, dict) or sorted(e) != sorted(ENTRY_KEYS):
            bad('%s: keys must be %s, got %s' % (where, ENTRY_KEYS, list(e) if isinstance(e, dict) else type(e)))
            continue
        if not isinstance(e['id'], str) or not e['id'] or e['id'] != e['id'].strip():
            bad('%s: id must be a non-empty trimmed string' % where)
        if not isinstance(e['title'], str) or e['title'] != ' '.join(e['title'].split()):
            bad('%s: title must be a string with collapsed whitespace' % where)
        for k in ('link', 'author'):
            if not is_str_or_none(e[k]):
                bad('%s: %s must be a string or null' % (where, k))
        if e['link'] is not None and not re.match(r'^https?://', e['link']):
            bad('%s: link is not absolute: %r' % (where, e['link']))
        if e['published'] is not None and not (isinstance(e['published'], str) and DATE.match(e['published'])):
            bad('%s: published must be null or YYYY-MM-DDTHH:MM:SSZ, got %r' % (where, e['published']))
        cats = e['categories']
        if not isinstance(cats, list) or not all(isinstance(c, str) and c and c == c.strip() for c in cats):
            bad('%s: categories must be an array of non-empty trimmed strings' % where)
        x = e['excerpt']
        if x is not None:
            if not isinstance(x, str) or not x or x != ' '.join(x.split()):
                bad('%s: excerpt must be null or a non-empty string with collapsed whitespace' % where)
            else:
                words = x.split()
                if len(words) > 60:
                    bad('%s: excerpt has %d words (> 60)' % (where, len(words)))

extra = sorted(set(urls) - set(names))
for name in extra:
    bad('urls.json names %s but there is no %s.xml/.json' % (name, name))

if problems:
    for p in problems:
        print('FAIL', p)
    print('%d fixtures, %d problems' % (len(names), len(problems)))
    sys.exit(1)
print('%d fixtures checked, all consistent' % len(names))
