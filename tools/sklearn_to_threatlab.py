"""Export a fitted scikit-learn classifier to threatlab's model JSON (documented by `threatlab schema`).

Supported: LogisticRegression (binary, one-vs-rest, multinomial — including the binary
"multinomial" case, whose probability is sigma(2z), exported with doubled weights),
MLPClassifier (relu/tanh/logistic/identity hidden layers; a binary network's single logistic
output becomes a two-way softmax over [0, z], which gives the same probabilities), and
DecisionTreeClassifier (with each node's training counts, so white-box tree inversion works).
A preceding StandardScaler is folded into the first layer's weights (trees keep thresholds in
scaled units, so scale them back); a ColumnTransformer of OneHotEncoder (categorical columns)
and StandardScaler or "passthrough" (numeric columns) becomes threatlab's feature schema,
categorical features one-hot with the encoder's levels.

    from sklearn_to_threatlab import export
    export(pipeline, X_train, path="model.json")        # X_train: a pandas DataFrame or 2-D array

Only numpy and scikit-learn are needed. Run with Debian's python3 (python3-sklearn).
"""

import json

import numpy as np


def _columns(X):
    if hasattr(X, "columns"):
        return [str(c) for c in X.columns]
    return [f"x{j}" for j in range(np.asarray(X).shape[1])]


def _column(X, name, j):
    return X[name].to_numpy() if hasattr(X, "columns") else np.asarray(X)[:, j]


class _Space:
    """threatlab's schema and an affine map from raw numeric inputs to the estimator's inputs."""

    def __init__(self, features, scale, shift):
        self.features = features  # threatlab feature schema entries, in encoded-column order
        self.scale = np.asarray(scale, dtype=float)  # estimator input = raw * scale + shift, per encoded column
        self.shift = np.asarray(shift, dtype=float)


def _numeric(name, values):
    values = np.asarray(values, dtype=float)
    return {"kind": "numeric", "name": name, "min": float(np.min(values)), "max": float(np.max(values))}


def _space(preprocess, X):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    names = _columns(X)
    if preprocess is None:
        feats = [_numeric(n, _column(X, n, j)) for j, n in enumerate(names)]
        return _Space(feats, np.ones(len(feats)), np.zeros(len(feats)))
    if isinstance(preprocess, StandardScaler):
        feats = [_numeric(n, _column(X, n, j)) for j, n in enumerate(names)]
        return _Space(feats, 1 / preprocess.scale_, -preprocess.mean_ / preprocess.scale_)
    if isinstance(preprocess, ColumnTransformer):
        feats, scale, shift = [], [], []
        for _, transformer, cols in preprocess.transformers_:
            if transformer == "drop":
                continue
            cols = [names[c] if isinstance(c, (int, np.integer)) else c for c in cols]
            if isinstance(transformer, OneHotEncoder):
                if transformer.drop is not None:
                    raise ValueError("OneHotEncoder(drop=...) is not supported: threatlab's one-hot keeps every level")
                for name, levels in zip(cols, transformer.categories_):
                    levels = [str(level) for level in levels]
                    feats.append({"kind": "categorical", "name": name, "levels": levels, "encoding": "one-hot"})
                    scale += [1.0] * len(levels)
                    shift += [0.0] * len(levels)
            elif isinstance(transformer, StandardScaler):
                for k, name in enumerate(cols):
                    feats.append(_numeric(name, _column(X, name, names.index(name))))
                    scale.append(1 / transformer.scale_[k])
                    shift.append(-transformer.mean_[k] / transformer.scale_[k])
            elif transformer == "passthrough":
                for name in cols:
                    feats.append(_numeric(name, _column(X, name, names.index(name))))
                    scale.append(1.0)
                    shift.append(0.0)
            else:
                raise ValueError(f"unsupported transformer {transformer!r}: use OneHotEncoder, StandardScaler or 'passthrough'")
        if preprocess.remainder != "drop":
            raise ValueError("set ColumnTransformer(remainder='drop') and name every column")
        return _Space(feats, scale, shift)
    raise ValueError(f"unsupported preprocessing step {preprocess!r}")


def _fold(weights, biases, space):
    """Weights over estimator inputs (outputs x inputs) to weights over raw encoded columns."""
    weights = np.asarray(weights, dtype=float)
    return weights * space.scale[None, :], np.asarray(biases, dtype=float) + weights @ space.shift


def _classes(estimator):
    return [str(c) for c in estimator.classes_]


def _logistic(clf, space):
    classes = _classes(clf)
    coef, intercept = clf.coef_, clf.intercept_
    if len(classes) == 2:
        # Binary "multinomial" answers softmax([-z, z]): p(class 1) = sigma(2z), not sigma(z).
        factor = 2.0 if clf.multi_class == "multinomial" else 1.0
        w, b = _fold(coef * factor, intercept * factor, space)
        return {"kind": "logistic", "classes": classes, "weights": w.tolist(), "biases": b.tolist()}
    multinomial = clf.multi_class == "multinomial" or (clf.multi_class == "auto" and clf.solver != "liblinear")
    w, b = _fold(coef, intercept, space)
    return {"kind": "softmax" if multinomial else "ovr", "classes": classes, "weights": w.tolist(), "biases": b.tolist()}


_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "logistic": "sigmoid", "identity": "linear"}


def _mlp(clf, space):
    classes = _classes(clf)
    if clf.activation not in _ACTIVATIONS:
        raise ValueError(f"activation {clf.activation!r} is not supported")
    layers = []
    for i, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        W = np.asarray(W, dtype=float).T  # outputs x inputs
        b = np.asarray(b, dtype=float)
        if i == 0:
            W, b = _fold(W, b, space)
        last = i == len(clf.coefs_) - 1
        if last and len(classes) == 2 and W.shape[0] == 1:
            # One logistic output z: softmax([0, z]) gives the same p(class 1) = sigma(z).
            W = np.vstack([np.zeros_like(W), W])
            b = np.concatenate([[0.0], b])
        activation = "softmax" if last else _ACTIVATIONS[clf.activation]
        # threatlab keeps a layer's weights inputs x outputs, row-major (W here is outputs x inputs).
        layers.append({"inputs": int(W.shape[1]), "outputs": int(W.shape[0]), "weights": W.T.reshape(-1).tolist(), "biases": b.tolist(), "activation": activation})
    return {"kind": "mlp", "classes": classes, "layers": layers}


def _tree(clf, space):
    classes = _classes(clf)
    tree = clf.tree_
    if np.any(space.scale <= 0):
        raise ValueError("a scaling with a non-positive factor cannot be folded into tree thresholds")
    # sklearn's node ids are its preorder; threatlab needs id == position, which they are.
    depth = np.zeros(tree.node_count, dtype=int)
    nodes = []
    counts = tree.value[:, 0, :]
    if not np.allclose(counts, np.round(counts)):
        # Newer scikit-learn keeps fractions: counts = fractions x samples at the node.
        counts = counts * tree.n_node_samples[:, None]
    for i in range(tree.node_count):
        node = {"id": i, "depth": int(depth[i]), "counts": [float(round(c, 9)) for c in counts[i]]}
        left, right = int(tree.children_left[i]), int(tree.children_right[i])
        if left != -1:
            f = int(tree.feature[i])
            # estimator input = raw * scale + shift <= t  <=>  raw <= (t - shift) / scale
            threshold = (float(tree.threshold[i]) - space.shift[f]) / space.scale[f]
            node.update({"split": {"kind": "numeric", "feature": f, "threshold": threshold}, "left": left, "right": right})
            depth[left] = depth[right] = depth[i] + 1
        nodes.append(node)
    return {"kind": "tree", "classes": classes, "nodes": nodes}


def _naive_bayes(clf, space):
    """MultinomialNB: log P(c | x) = log prior_c + x . log theta_c (up to a constant), a softmax linear model."""
    if np.any(space.scale != 1) or np.any(space.shift != 0):
        raise ValueError("MultinomialNB reads raw counts: export it without a scaling step")
    return {"kind": "softmax", "classes": _classes(clf), "weights": np.asarray(clf.feature_log_prob_, dtype=float).tolist(), "biases": np.asarray(clf.class_log_prior_, dtype=float).tolist(), "params": {"fittedBy": "naive-bayes", "alpha": float(clf.alpha)}}


def to_threatlab(model, X):
    """The threatlab JSON (a dict) of a fitted estimator or Pipeline; X: its training inputs (for feature names and ranges)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.tree import DecisionTreeClassifier

    steps = [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]
    if len(steps) > 2:
        raise ValueError("use at most one preprocessing step (a StandardScaler or a ColumnTransformer) before the classifier")
    clf = steps[-1]
    space = _space(steps[0] if len(steps) == 2 else None, X)
    if isinstance(clf, LogisticRegression):
        body = _logistic(clf, space)
    elif isinstance(clf, MLPClassifier):
        body = _mlp(clf, space)
    elif isinstance(clf, DecisionTreeClassifier):
        body = _tree(clf, space)
    elif isinstance(clf, MultinomialNB):
        body = _naive_bayes(clf, space)
    else:
        raise ValueError(f"unsupported estimator {type(clf).__name__}: LogisticRegression, MLPClassifier, DecisionTreeClassifier or MultinomialNB")
    out = {"kind": body["kind"], "format": 1, "classes": body["classes"], "schema": {"features": space.features}, "params": body.get("params", {})}
    out.update({k: v for k, v in body.items() if k not in ("kind", "classes", "params")})
    for value in json.dumps(out, allow_nan=True).split(","):
        if "NaN" in value or "Infinity" in value:
            raise ValueError("the model has a non-finite number")
    return out


def export(model, X, path):
    """Writes the threatlab JSON of a fitted model to `path`."""
    with open(path, "w") as f:
        json.dump(to_threatlab(model, X), f)


if __name__ == "__main__":
    print(__doc__)
