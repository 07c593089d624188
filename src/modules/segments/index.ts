export { getDimensionSettings, saveSegmentDimensions, MAX_ATTRIBUTE_DIMENSIONS, MAX_HIDDEN_DIMENSIONS, type DimensionChoice } from './segments.service';
