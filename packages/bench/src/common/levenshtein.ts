// MathVista's get_most_similar uses python-Levenshtein's code-point distance: core's levenshtein is exactly that.
export { levenshtein as codePointLevenshtein } from '@evolmm/core';
