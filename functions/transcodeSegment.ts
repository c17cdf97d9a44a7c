import { stepHandler } from '../src/pipeline/handler.js';
import { SegmentTaskSchema } from '../src/pipeline/job.js';
import { transcodeSegmentStep } from '../src/pipeline/steps/segment.js';

/** One Map iteration: one segment into every rendition. */
export const handler = stepHandler('transcodeSegment', SegmentTaskSchema, (rt, task, log) => transcodeSegmentStep(rt, task, log));
