/**
 * The one place that imports TensorFlow.js. Importing tfjs registers its kernels and gradients
 * globally (a side effect we confine here); the wasm backend is registered by `setup.ts` only
 * when `initBackend` runs. Everything else imports `tf` from this module.
 */

import * as tf from '@tensorflow/tfjs';

export { tf };
