"""ebook-convert's arguments → calibre's conversion, run inside calibre (`calibre-debug -e`) with a fixed order.

Not imported by publish: the Kindle writer copies this file into its scratch
folder and runs it with calibre's own Python. calibre keeps a book's manifest
in a set of objects hashed by memory address, so stylesheets, pictures and
generated files come out in a different order from run to run (and the AZW3's
bytes with them); its MOBI header id is drawn from `random` and its fallback
book ids from `uuid4`. Here the manifest keeps the order items were added (the
EPUB's own manifest order), and both are seeded from PUBLISH_KINDLE_SEED (the
issue's identifier), so the same EPUB gives the same AZW3.
"""

import os
import random
import sys
import uuid


class InsertionOrderedSet:
    """The parts of `set` that calibre's Manifest uses, iterating in the order items were added."""

    def __init__(self, items=()):
        self._items = dict.fromkeys(items)

    def add(self, item):
        self._items[item] = None

    def remove(self, item):
        del self._items[item]

    def discard(self, item):
        self._items.pop(item, None)

    def __contains__(self, item):
        return item in self._items

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def __bool__(self):
        return bool(self._items)


def _stable_manifest():
    from calibre.ebooks.oeb.base import Manifest

    original = Manifest.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.items = InsertionOrderedSet(self.items)

    Manifest.__init__ = __init__


def main(argv):
    _stable_manifest()
    random.seed(os.environ.get("PUBLISH_KINDLE_SEED", "publish"))  # one header id per issue, never shared
    uuid.uuid4 = lambda: uuid.UUID(int=random.getrandbits(128), version=4)
    from calibre.ebooks.conversion.cli import main as convert

    return convert(["ebook-convert", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
