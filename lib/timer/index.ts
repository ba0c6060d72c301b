// The SQS adapter (./sqs.js) is imported where it is built, on first use: a function that never
// schedules never loads the SQS client.
export { parseTimerItem, timerBody, type StepTimer, type TimerItem } from './port.js';
export { LocalStepTimer, localStepTimer, type LocalStepTimerOptions, type TimerDelivery } from './local.js';
