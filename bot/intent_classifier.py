"""LinearIntentClassifier: PowerDesk's intent classifier, with confidences that mean something.

What it is: a linear support-vector machine over TF-IDF character 1-2-grams of the
message (digits folded to one symbol, sublinear term frequency), whose per-intent
scores are turned into probabilities by a softmax with a temperature fitted by
cross-validation on the training data.

Why these choices (all measured by 5-fold cross-validation on ``nlu_data/train`` only,
three shuffles; ``scripts/tune_intents.py``, figures in ``reports/nlu.md``):

- Chinese has no spaces, and the characters carry most of the meaning.  On the 4,542
  training examples of the time, with jieba word features beside them, character
  1-2-grams scored 0.926, 1-3-grams 0.918, 1-4-grams 0.914; without the words
  1-2-grams scored 0.928, so the classifier reads the raw text and does not depend on
  the tokenizer.  A logistic regression in place of the SVM scored lower (0.904-0.909
  on 1-4-grams and words, where the SVM had 0.914).
- A linear SVM has no probabilities of its own.  FallbackClassifier and the
  KnowledgeRouter read the top confidence and the margin to the second, so the scores
  are calibrated: ``softmax(score / T)``, with ``T`` minimizing the log-loss of
  out-of-fold scores on the training data (fitted again at every training).
- Digits are folded (``3300000001`` and ``200`` both read ``0``): which slot a number
  fills is the forms' business, not the intent's.
- A message with no character n-gram seen in training (emoji, another script) gets a
  uniform ranking, so the fallback asks again instead of the intercepts guessing.

The learned state (vocabulary, idf weights, coefficients, temperature) is persisted
through Rasa's model storage as JSON and NumPy arrays, nothing pickled.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from bot.second_question import REQUEST_RANKING, request_part

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d+")
MODEL_FILE = "intent_model.json"
ARRAYS_FILE = "intent_model.npz"


def fold_text(text: Text) -> Text:
    """Lower-cased, every run of digits (ASCII or full-width) one ``0``."""
    return _DIGITS.sub("0", text.lower())


class LinearIntentModel:
    """Text → TF-IDF character n-grams → linear SVM scores → tempered softmax.

    Plain scikit-learn, no Rasa: the tuning script cross-validates exactly this."""

    def __init__(self, c: float = 1.0, ngram_max: int = 2, temperature: float = 1.0,
                 calibration_folds: int = 5, random_state: int = 42) -> None:
        self.c = c
        self.ngram_max = ngram_max
        self.temperature = temperature
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.vectorizer = self._new_vectorizer()
        self.svm: Optional[LinearSVC] = None
        self._evidence: Optional[np.ndarray] = None

    def _new_vectorizer(self, vocabulary: Optional[Dict[Text, int]] = None) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, self.ngram_max), sublinear_tf=True,
                               preprocessor=fold_text, vocabulary=vocabulary, dtype=np.float64)

    @property
    def classes(self) -> List[Text]:
        return [str(c) for c in self.svm.classes_] if self.svm is not None else []

    def fit(self, texts: Sequence[Text], intents: Sequence[Text], calibrate: bool = True) -> LinearIntentModel:
        """Fit the SVM on all examples; with ``calibrate``, first fit the temperature on
        out-of-fold scores (so the softmax is calibrated on messages the SVM never saw)."""
        if calibrate:
            self.temperature = fit_temperature(*self.out_of_fold_scores(texts, intents))
        self.vectorizer, self._evidence = self._new_vectorizer(), None
        features = self.vectorizer.fit_transform(texts)
        self.svm = LinearSVC(C=self.c, random_state=self.random_state).fit(features, list(intents))
        return self

    def out_of_fold_scores(self, texts: Sequence[Text], intents: Sequence[Text]) -> tuple:
        """(scores, class index of the gold intent) of every example, each scored by a
        model trained on the other folds."""
        labels = np.asarray(intents)
        classes = sorted(set(intents))
        folds = min(self.calibration_folds, min(np.unique(labels, return_counts=True)[1]))
        scores = np.zeros((len(labels), len(classes)))
        splitter = StratifiedKFold(n_splits=max(2, folds), shuffle=True, random_state=self.random_state)
        for train, test in splitter.split(np.zeros(len(labels)), labels):
            fold = LinearIntentModel(self.c, self.ngram_max, random_state=self.random_state)
            fold.fit([texts[i] for i in train], labels[train], calibrate=False)
            scores[test] = fold.scores([texts[i] for i in test])
        return scores, np.searchsorted(classes, labels)

    def scores(self, texts: Sequence[Text]) -> np.ndarray:
        """The SVM's one-vs-rest decision values, one column per class."""
        return self._scores(self.vectorizer.transform(texts))

    def _scores(self, features) -> np.ndarray:
        values = self.svm.decision_function(features)
        return values if values.ndim == 2 else np.column_stack([-values, values])

    def predict_proba(self, texts: Sequence[Text]) -> np.ndarray:
        """Calibrated probabilities; uniform for a message with no known character.

        Without evidence the SVM's scores are its intercepts alone (which favour the
        short intents such as affirm), and the softmax would make a confident guess of
        them; a message made only of characters never seen in training (emoji, another
        script) is given no preference, so the fallback asks again."""
        features = self.vectorizer.transform(texts)
        probabilities = softmax(self._scores(features) / self.temperature, axis=1)
        known_terms = (features != 0).astype(float) @ self._evidence_columns()
        probabilities[known_terms == 0] = 1.0 / probabilities.shape[1]
        return probabilities

    def _evidence_columns(self) -> np.ndarray:
        """1 for every vocabulary term but those made of spaces only: char_wb pads every
        word with spaces, so those n-grams are in every message and say nothing."""
        if self._evidence is None:
            self._evidence = np.ones(len(self.vectorizer.vocabulary_))
            for term, index in self.vectorizer.vocabulary_.items():
                if not term.strip():
                    self._evidence[index] = 0.0
        return self._evidence

    def state(self) -> tuple:
        """(JSON-able settings and vocabulary, NumPy arrays) to persist."""
        settings = {"c": self.c, "ngram_max": self.ngram_max, "temperature": self.temperature,
                    "classes": self.classes,
                    "vocabulary": {term: int(i) for term, i in self.vectorizer.vocabulary_.items()}}
        arrays = {"idf": self.vectorizer.idf_, "coef": self.svm.coef_, "intercept": self.svm.intercept_}
        return settings, arrays

    @classmethod
    def from_state(cls, settings: Dict[Text, Any], arrays: Dict[Text, np.ndarray]) -> LinearIntentModel:
        model = cls(settings["c"], settings["ngram_max"], settings["temperature"])
        model.vectorizer = model._new_vectorizer(settings["vocabulary"])
        model.vectorizer.idf_ = arrays["idf"]
        model.svm = LinearSVC(C=model.c)
        model.svm.classes_ = np.asarray(settings["classes"])
        model.svm.coef_ = arrays["coef"]
        model.svm.intercept_ = arrays["intercept"]
        return model


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature minimizing the mean negative log-likelihood of the gold classes."""
    def loss(log_t: float) -> float:
        return -float(np.mean(log_softmax(scores / np.exp(log_t), axis=1)[np.arange(len(gold)), gold]))
    return float(np.exp(minimize_scalar(loss, bounds=(-5.0, 3.0), method="bounded").x))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    """Sets ``intent`` and ``intent_ranking`` from a calibrated linear model of the text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # SVM regularization and character n-gram length, chosen by CV (module docstring)
            "C": 1.0,
            "ngram_max": 2,
            # folds of the training data whose out-of-fold scores fit the temperature
            "calibration_folds": 5,
            "random_state": 42,
            RANKING_LENGTH: LABEL_RANKING_LENGTH,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[LinearIntentModel] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the temperature by CV, then the SVM on every intent example; persist."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            log.warning("LinearIntentClassifier needs at least two intents; not trained")
            return self._resource
        self.model = LinearIntentModel(self.config["C"], self.config["ngram_max"],
                                       calibration_folds=self.config["calibration_folds"],
                                       random_state=self.config["random_state"])
        self.model.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        log.info("intent classifier trained on %d examples, temperature %.3f",
                 len(examples), self.model.temperature)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """The most likely intent, its probability, and the ranking (best first)."""
        if self.model is None or not messages:
            return messages
        probabilities = self.model.predict_proba([m.get(TEXT) or "" for m in messages])
        for message, row in zip(messages, probabilities):
            ranking = self._ranked(row)
            message.set("intent", ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
            self._rank_request_part(message)
        return messages

    def _ranked(self, probabilities: np.ndarray) -> List[Dict[Text, Any]]:
        """Every intent with its probability, best first."""
        return [{"name": name, "confidence": float(p)}
                for name, p in sorted(zip(self.model.classes, probabilities), key=lambda pair: -pair[1])]

    def _rank_request_part(self, message: Message) -> None:
        """The request before a second question (bot/second_question.py), ranked alone:
        KnowledgeRouter takes it when the second question is not ours."""
        part = request_part(message.get(TEXT) or "")
        if part is not None:
            message.set(REQUEST_RANKING, self._ranked(self.model.predict_proba([part])[0]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Classify the training examples too, as Rasa's own classifiers do."""
        self.process(training_data.training_examples)
        return training_data

    def persist(self) -> None:
        settings, arrays = self.model.state()
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
            np.savez(directory / ARRAYS_FILE, **arrays)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        """The trained classifier, or an untrained one if nothing was persisted."""
        try:
            with model_storage.read_from(resource) as directory:
                settings = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
                with np.load(directory / ARRAYS_FILE) as stored:
                    arrays = {name: stored[name] for name in stored.files}
        except (ValueError, FileNotFoundError):
            log.warning("no trained intent classifier in the model; intents will be missing")
            return cls.create(config, model_storage, resource, execution_context)
        return cls(config, model_storage, resource, LinearIntentModel.from_state(settings, arrays))
