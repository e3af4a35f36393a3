"""The App's command line: its verbs and their argument hooks (a part of `shared.app.App`).

`App` inherits these; an app overrides the argument hooks to add its own
flags, `extra_verbs` to add verbs. The verbs call the lifecycle's
`train`/`load` and the `TrainedModel` methods, so the command line and
the Python API run the same code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.cli import Verb, add_export_arguments, add_run_argument, dispatch
from shared.trained import rows_to_csv


class CommandLine:
    """`python -m apps.<name> VERB ...` for an App (which defines train, load and the hooks)."""

    # ---- hooks: command line ----------------------------------------------
    def predict_arguments(self, parser):
        """Arguments of `predict` besides --run (default: INPUT..., --out, --skip-bad)."""
        add_run_argument(parser)
        parser.add_argument("inputs", nargs="+", metavar="INPUT", help=self.inputs_help)
        parser.add_argument("--out", help="CSV file (default: <run>/predictions.csv)")

    def predict_options(self, args):
        """(inputs, keyword options of predict_rows) from the parsed arguments."""
        return args.inputs, {"skip_bad": args.skip_bad} if hasattr(args, "skip_bad") else {}

    def write_predictions(self, trained, rows, args):
        """Print `predict`'s rows as CSV and write them to --out or the run folder."""
        out = Path(args.out) if getattr(args, "out", None) else trained.path / "predictions.csv"
        text = rows_to_csv(rows)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        sys.stdout.write(text)
        return {"predictions": rows, "path": str(out)}

    def export_arguments(self, parser):
        """Arguments of `export`: --run, --out (add the app's own after these)."""
        add_export_arguments(parser)

    def export_options(self, args):
        """Keyword options of the `export` hook from the parsed arguments."""
        return {}

    def evaluate_arguments(self, parser):
        """Arguments of `evaluate`: --run, --data, --skip-bad."""
        add_run_argument(parser)
        parser.add_argument("--data", help=self.evaluate_data_help)

    def extra_verbs(self):
        """The app's own verbs (explain, translate, chat, sample...)."""
        return []

    def verbs(self):
        """train, evaluate, predict, export and the app's own verbs."""
        return [
            Verb("train", self.train_help, self._train_verb, config_cls=self.config_class),
            Verb("evaluate", self.evaluate_help, self._evaluate_verb, self.evaluate_arguments),
            Verb("predict", self.predict_help, self._predict_verb,
                 self.predict_arguments),
            Verb("export", self.export_help, self._export_verb, self.export_arguments),
            *self.extra_verbs(),
        ]

    def _train_verb(self, args):
        return self.train(args.config, args.argv, given=args.given).metrics

    def _evaluate_verb(self, args):
        return self.load(args.run).evaluate(args.data, skip_bad=args.skip_bad)

    def _predict_verb(self, args):
        trained = self.load(args.run)
        inputs, options = self.predict_options(args)
        return self.write_predictions(trained, trained.predict(inputs, **options), args)

    def _export_verb(self, args):
        return self.load(args.run).export(args.out, **self.export_options(args))

    def main(self, argv=None):
        """`python -m apps.<name> VERB ...`; returns the verb's result dict."""
        return dispatch(f"python -m apps.{self.name}", self.description, self.verbs(), argv)
