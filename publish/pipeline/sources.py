"""The publication's issue folders → checked issues and input digests, for the publication-wide formats (the site).

The pipeline reads and checks sources; the site never does. It asks this
object (the `CheckedIssues` of publish.pipeline.types) which issues exist, whether an issue's inputs changed since it last
rendered them (the plan's digests: one fingerprint system for every format),
and, for those that changed, for the checked issue. An issue whose sources
have errors comes back as None, and its errors are kept in `rejected` for the
build to report.
"""

from __future__ import annotations

from pathlib import Path

from publish.articles import read_article
from publish.check import read_issues
from publish.errors import SourceError
from publish.model import Article, Issue, Publication
from publish.sourcefiles import Report
from publish.pipeline.plan import Inputs
from publish.source import issue_folders


class SourceReader:
    """Every issue of `pub`, read and checked on demand (once each), with the digests of format `fmt`."""

    def __init__(self, pub: Publication, fmt: str, strict: bool = False, inputs: Inputs | None = None) -> None:
        self.pub = pub
        self.fmt = fmt
        self.strict = strict
        self.inputs = inputs or Inputs(pub)
        self.rejected: dict[int, str] = {}  # issue number → its source errors, said as the build reports them
        self._read: dict[Path, Issue | None] = {}

    def folders(self) -> list[Path]:
        """The issue folders of the publication, in number order."""
        return issue_folders(self.pub)

    def digest(self, folder: Path) -> str:
        """What the format's pages of this issue are made from (sources, layout, fonts, code), as one SHA-256."""
        return self.inputs.digest(folder, self.fmt)

    def read(self, folder: Path, outcome: str) -> Issue | None:
        """The checked issue in `folder`, or None if its sources have errors (`outcome` says what became of it)."""
        if folder not in self._read:
            result = read_issues(self.pub, [folder])[0]
            issue = None if result.failed(self.strict) else result.issue
            if issue is None:
                message = SourceError(result.problems, self.strict, outcome=outcome).message
                self.rejected[int(folder.name)] = message
            self._read[folder] = issue
        return self._read[folder]

    def subscription(self) -> Article | None:
        """The checked subscription page (`pub.subscription`), or None; SourceError if it has errors."""
        if not self.pub.subscription:
            return None
        report = Report(self.pub.root)
        article = read_article(self.pub.root / self.pub.subscription, self.pub, report, base=self.pub.root,
                               standing=True)
        if article is None or report.errors:
            raise SourceError(report.problems, outcome="the site was left as it was")
        return article

    def save(self) -> None:
        """Keep the file hashes for the next run."""
        self.inputs.save()
