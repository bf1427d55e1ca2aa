/** Property inference (Ateniese et al. 2015; Ganju et al. 2018; Suri & Evans 2022): guess a property of a whole training set. */

export { parseProperty, propertyMask, sampleWithShare } from './property.ts';
export type { PropertySpec } from './property.ts';
export { PROPERTY_ATTACKS, fitPropertyAttack, trainShadows } from './meta-classifier.ts';
export type { PropertyAttackName, PropertyProblem, PropertyFitOptions, FittedPropertyAttack, Shadow } from './meta-classifier.ts';
export { parameterRepresentation, outputRepresentation } from './representations.ts';
export { wilsonInterval, trainTargets, scoreAttack } from './evaluate.ts';
export type { PropertyScore } from './evaluate.ts';
